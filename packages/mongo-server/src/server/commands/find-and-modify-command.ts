import { type Document, isPlainObject, sameValueKey } from '../bson-values.js'
import { errorCodes, MongoCommandError } from '../errors.js'
import { applyUpdate, isOperatorUpdate, upsertDocument, validateUpdate } from '../query/apply-update.js'
import { assertHint, refuseUnsupportedOptions } from '../query/command-options.js'
import { deadlineCheck } from '../query/deadline.js'
import { projectDocument } from '../query/project-document.js'
import { selectRecords } from '../query/select-records.js'
import { isKnownChange } from '../query/simple-update.js'
import { assertDocumentSize } from '../storage/document-size.js'
import type { CommandHandler } from './command-context.js'

/**
 * findAndModify: select, compute and write in one synchronous step, with no await in between,
 * which is what makes concurrent claims hand each document out once.
 */
const findAndModify: CommandHandler = (context) => {
  const command = context.command
  const collectionName = String(command.findAndModify ?? command.findandmodify)
  const remove = command.remove === true
  const update = command.update
  if (remove && update !== undefined) {
    throw new MongoCommandError(errorCodes.failedToParse, 'Cannot specify both an update and remove=true')
  }
  if (!remove && update === undefined) {
    throw new MongoCommandError(errorCodes.failedToParse, 'Either an update or remove=true must be specified')
  }
  if (remove && command.upsert === true) {
    throw new MongoCommandError(errorCodes.failedToParse, 'Cannot specify both upsert=true and remove=true')
  }
  if (!remove) validateUpdate(update)
  const filter = (command.query ?? {}) as Document
  const arrayFilters = Array.isArray(command.arrayFilters) ? (command.arrayFilters as Document[]) : undefined
  refuseUnsupportedOptions(command, 'findAndModify')
  const collection = context.readCollection(collectionName)
  assertHint(collection, command.hint)
  const [record] = selectRecords(collection, filter, {
    sort: isPlainObject(command.sort) ? command.sort : undefined,
    limit: 1,
    interrupt: deadlineCheck(command),
  })
  const project = (document: Document | null) =>
    document === null ? null : projectDocument(document, command.fields)

  if (remove) {
    if (record === undefined) return { lastErrorObject: { n: 0 }, value: null, ok: 1 }
    context.deleteDocument(context.writeCollection(collectionName), record)
    return { lastErrorObject: { n: 1 }, value: project(record.document), ok: 1 }
  }

  const updateSpecification = update as Document | Document[]
  if (record === undefined) {
    if (command.upsert !== true)
      return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 }
    const document = upsertDocument(filter, updateSpecification, arrayFilters)
    assertDocumentSize(document, 'upsert')
    context.insertDocument(context.writeCollection(collectionName), document)
    return {
      lastErrorObject: { n: 1, updatedExisting: false, upserted: document._id },
      value: command.new === true ? project(document) : null,
      ok: 1,
    }
  }
  const next = applyUpdate(record.document, updateSpecification, { arrayFilters })
  assertDocumentSize(next, 'update')
  if (next !== record.document && (isKnownChange(next) || !sameValueKey(next, record.document))) {
    const kind = Array.isArray(updateSpecification)
      ? 'pipelineUpdate'
      : isOperatorUpdate(updateSpecification)
        ? 'update'
        : 'replace'
    context.replaceDocument(context.writeCollection(collectionName), record, next, kind)
  }
  return {
    lastErrorObject: { n: 1, updatedExisting: true },
    value: project(command.new === true ? next : record.document),
    ok: 1,
  }
}

export const findAndModifyCommands: Record<string, CommandHandler> = {
  findAndModify,
  findandmodify: findAndModify,
}
