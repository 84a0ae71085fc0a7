import { Long } from 'bson'
import { getPath, isPlainObject, numberArgument, toPlain, valueKey } from '../bson-values.js'
import { errorCodes, MongoCommandError } from '../errors.js'
import {
  assertHint,
  refuseUnsupportedFindOptions,
  refuseUnsupportedOptions,
} from '../query/command-options.js'
import { deadlineCheck } from '../query/deadline.js'
import { projectDocument } from '../query/project-document.js'
import { selectRecords } from '../query/select-records.js'
import { changeStreamGetMore } from './change-stream-commands.js'
import type { CommandHandler } from './command-context.js'
import { firstBatchReply } from './cursor-replies.js'

function optionalNumber(value: unknown): number | undefined {
  return value === undefined || value === null ? undefined : numberArgument(value, 0)
}

const find: CommandHandler = (context) => {
  const command = context.command
  const collectionName = String(command.find)
  const limit = optionalNumber(command.limit)
  refuseUnsupportedFindOptions(command)
  const collection = context.readCollection(collectionName)
  assertHint(collection, command.hint)
  const records = selectRecords(collection, command.filter ?? {}, {
    sort: isPlainObject(command.sort) ? command.sort : undefined,
    skip: optionalNumber(command.skip),
    limit: limit === undefined ? undefined : Math.abs(limit),
    interrupt: deadlineCheck(command),
  })
  const documents = records.map((record) => projectDocument(record.document, command.projection))
  const singleBatch = command.singleBatch === true || (limit !== undefined && limit < 0)
  return firstBatchReply(
    context,
    `${context.database}.${collectionName}`,
    documents,
    optionalNumber(command.batchSize),
    singleBatch,
  )
}

const getMore: CommandHandler = (context) => {
  const id = context.command.getMore as Long
  const cursor = context.server.cursors.get(id)
  if (cursor === undefined) {
    throw new MongoCommandError(errorCodes.cursorNotFound, `cursor id ${String(id)} not found`)
  }
  if (cursor.kind === 'changeStream') return changeStreamGetMore(context, cursor)
  if (context.command.maxTimeMS !== undefined) {
    // mongod: only a tailable awaitData cursor's getMore takes a maxTimeMS (its await time).
    throw new MongoCommandError(
      errorCodes.badValue,
      'cannot set maxTimeMS on getMore command for a non-awaitData cursor',
    )
  }
  const batchSize = optionalNumber(context.command.batchSize)
  const end =
    batchSize === undefined || batchSize <= 0 ? cursor.documents.length : cursor.position + batchSize
  const nextBatch = cursor.documents.slice(cursor.position, end)
  cursor.position += nextBatch.length
  let replyId = cursor.id
  if (cursor.position >= cursor.documents.length) {
    context.server.cursors.remove(cursor.id)
    replyId = Long.ZERO
  }
  return { cursor: { nextBatch, id: replyId, ns: cursor.namespace }, ok: 1 }
}

const killCursors: CommandHandler = (context) => {
  const ids = Array.isArray(context.command.cursors) ? context.command.cursors : []
  const cursorsKilled: unknown[] = []
  const cursorsNotFound: unknown[] = []
  for (const id of ids) (context.server.cursors.remove(id) ? cursorsKilled : cursorsNotFound).push(id)
  return { cursorsKilled, cursorsNotFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 }
}

const count: CommandHandler = (context) => {
  const command = context.command
  refuseUnsupportedOptions(command, 'count')
  const collection = context.readCollection(String(command.count))
  assertHint(collection, command.hint)
  const records = selectRecords(collection, command.query ?? {}, {
    skip: optionalNumber(command.skip),
    limit: optionalNumber(command.limit),
    interrupt: deadlineCheck(command),
  })
  return { n: records.length, ok: 1 }
}

const distinct: CommandHandler = (context) => {
  const command = context.command
  if (typeof command.key !== 'string')
    throw new MongoCommandError(errorCodes.failedToParse, "'key' must be a string")
  refuseUnsupportedOptions(command, 'distinct')
  const collection = context.readCollection(String(command.distinct))
  assertHint(collection, command.hint)
  const records = selectRecords(collection, command.query ?? {}, { interrupt: deadlineCheck(command) })
  const seen = new Map<string, unknown>()
  for (const record of records) {
    const value = getPath(record.document, command.key)
    const values = Array.isArray(value) ? value : [value]
    for (const item of values) {
      if (item === undefined) continue
      const key = valueKey(toPlain(item))
      if (!seen.has(key)) seen.set(key, item)
    }
  }
  return { values: [...seen.values()], ok: 1 }
}

export const findCommands: Record<string, CommandHandler> = { find, getMore, killCursors, count, distinct }
