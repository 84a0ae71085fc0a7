import { type Document, isPlainObject, numberArgument, sameValueKey } from '../bson-values.js'
import { errorCodes, MongoCommandError, toCommandError } from '../errors.js'
import { applyUpdate, isOperatorUpdate, upsertDocument, validateUpdate } from '../query/apply-update.js'
import { assertHint, refuseUnsupportedOptions } from '../query/command-options.js'
import { deadlineCheck } from '../query/deadline.js'
import { selectRecords } from '../query/select-records.js'
import { isKnownChange } from '../query/simple-update.js'
import { assertStorableId } from '../query/storable-id.js'
import { Collection } from '../storage/collection.js'
import { assertDocumentSize } from '../storage/document-size.js'
import type { CommandContext, CommandHandler } from './command-context.js'

export interface UpdateStatement {
  q?: unknown
  u?: unknown
  upsert?: unknown
  multi?: unknown
  arrayFilters?: unknown
  sort?: unknown
  collation?: unknown
  hint?: unknown
}

export interface UpdateOutcome {
  matched: number
  modified: number
  upsertedId?: unknown
}

export function insertOne(context: CommandContext, collectionName: string, document: unknown): Document {
  if (!isPlainObject(document))
    throw new MongoCommandError(errorCodes.typeMismatch, 'documents must be objects')
  const withId = Collection.withId(document)
  assertStorableId(withId)
  assertDocumentSize(withId, 'insert')
  context.insertDocument(context.writeCollection(collectionName), withId)
  return withId
}

/**
 * Runs one update statement. A multi update that fails on its k-th document keeps the first k-1
 * applied and throws, as MongoDB does.
 */
export function updateWith(
  context: CommandContext,
  collectionName: string,
  statement: UpdateStatement,
): UpdateOutcome {
  const outcome: UpdateOutcome = { matched: 0, modified: 0 }
  const update = statement.u
  validateUpdate(update)
  const multi = statement.multi === true
  if (multi && !Array.isArray(update) && !isOperatorUpdate(update)) {
    throw new MongoCommandError(
      errorCodes.failedToParse,
      'multi update is not supported for replacement-style update',
    )
  }
  const filter = (statement.q ?? {}) as Document
  const arrayFilters = Array.isArray(statement.arrayFilters)
    ? (statement.arrayFilters as Document[])
    : undefined
  refuseUnsupportedOptions(statement as Document, 'an update statement')
  const existing = context.readCollection(collectionName)
  assertHint(existing, statement.hint)
  const records = selectRecords(existing, filter, {
    limit: multi ? 0 : 1,
    sort: isPlainObject(statement.sort) ? statement.sort : undefined,
    interrupt: deadlineCheck(context.command),
  })
  if (records.length === 0) {
    if (statement.upsert !== true) return outcome
    const document = upsertDocument(filter, update, arrayFilters)
    assertDocumentSize(document, 'upsert')
    context.insertDocument(context.writeCollection(collectionName), document)
    outcome.upsertedId = document._id
    return outcome
  }
  const collection = context.writeCollection(collectionName)
  const kind = Array.isArray(update) ? 'pipelineUpdate' : isOperatorUpdate(update) ? 'update' : 'replace'
  for (const record of records) {
    const current = collection.get(record.idKey) ?? record
    const next = applyUpdate(current.document, update, { arrayFilters })
    if (next !== current.document && (isKnownChange(next) || !sameValueKey(next, current.document))) {
      assertDocumentSize(next, 'update')
      context.replaceDocument(collection, current, next, kind)
      outcome.modified += 1
    }
    outcome.matched += 1
  }
  return outcome
}

export function deleteWith(
  context: CommandContext,
  collectionName: string,
  statement: { q?: unknown; collation?: unknown; hint?: unknown },
  multi: boolean,
): number {
  refuseUnsupportedOptions(statement as Document, 'a delete statement')
  const existing = context.readCollection(collectionName)
  assertHint(existing, statement.hint)
  const records = selectRecords(existing, statement.q ?? {}, {
    limit: multi ? 0 : 1,
    interrupt: deadlineCheck(context.command),
  })
  if (records.length === 0) return 0
  const collection = context.writeCollection(collectionName)
  for (const record of records) context.deleteDocument(collection, record)
  return records.length
}

function writeReply(count: Document, writeErrors: Document[]): Document {
  return writeErrors.length > 0 ? { ...count, writeErrors, ok: 1 } : { ...count, ok: 1 }
}

/**
 * Runs statements in order, collecting write errors; ordered writes, and any write in a
 * transaction, stop at the first error. A WriteConflict fails the whole command.
 */
function eachStatement(
  context: CommandContext,
  statements: unknown[],
  run: (statement: Document, index: number) => void,
): Document[] {
  const stopsAtError = context.command.ordered !== false || context.transaction !== undefined
  const writeErrors: Document[] = []
  statements.forEach((statement, index) => {
    if (stopsAtError && writeErrors.length > 0) return
    try {
      run(statement as Document, index)
    } catch (error) {
      const commandError = toCommandError(error)
      if (commandError.code === errorCodes.writeConflict) throw commandError
      writeErrors.push(commandError.toWriteError(index))
    }
  })
  return writeErrors
}

function statementsOf(context: CommandContext, field: string): unknown[] {
  const statements = context.command[field]
  if (!Array.isArray(statements))
    throw new MongoCommandError(errorCodes.failedToParse, `'${field}' must be an array`)
  return statements
}

const insert: CommandHandler = (context) => {
  const collectionName = String(context.command.insert)
  let inserted = 0
  const writeErrors = eachStatement(context, statementsOf(context, 'documents'), (document) => {
    insertOne(context, collectionName, document)
    inserted += 1
  })
  return writeReply({ n: inserted }, writeErrors)
}

const update: CommandHandler = (context) => {
  const collectionName = String(context.command.update)
  refuseUnsupportedOptions({ let: context.command.let }, 'update')
  const totals: UpdateOutcome = { matched: 0, modified: 0 }
  const upserted: Document[] = []
  const writeErrors = eachStatement(context, statementsOf(context, 'updates'), (statement, index) => {
    // A statement that fails (even half-way through a multi update) adds nothing to the counts.
    const outcome = updateWith(context, collectionName, statement)
    totals.matched += outcome.matched
    totals.modified += outcome.modified
    if (outcome.upsertedId !== undefined) upserted.push({ index, _id: outcome.upsertedId })
  })
  const counts: Document = { n: totals.matched + upserted.length, nModified: totals.modified }
  if (upserted.length > 0) counts.upserted = upserted
  return writeReply(counts, writeErrors)
}

const remove: CommandHandler = (context) => {
  const collectionName = String(context.command.delete)
  refuseUnsupportedOptions({ let: context.command.let }, 'delete')
  let deleted = 0
  const writeErrors = eachStatement(context, statementsOf(context, 'deletes'), (statement) => {
    deleted += deleteWith(context, collectionName, statement, numberArgument(statement.limit, 0) === 0)
  })
  return writeReply({ n: deleted }, writeErrors)
}

export const writeCommands: Record<string, CommandHandler> = { insert, update, delete: remove }
