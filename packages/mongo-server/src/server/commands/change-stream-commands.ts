import type { Timestamp } from 'bson'
import { type Document, isPlainObject, numberArgument } from '../bson-values.js'
import { sequenceOfToken } from '../change-streams/change-log.js'
import { ChangeStream } from '../change-streams/change-stream.js'
import type { ChangeStreamCursor } from '../cursors.js'
import { errorCodes, MongoCommandError } from '../errors.js'
import type { CommandContext } from './command-context.js'
import { defaultFirstBatchSize } from './cursor-replies.js'

function startPosition(context: CommandContext, options: Document): number {
  const changeLog = context.server.changeLog
  const token = options.resumeAfter ?? options.startAfter
  if (token !== undefined && token !== null) {
    const sequence = sequenceOfToken(token)
    if (sequence === undefined) throw new MongoCommandError(errorCodes.badValue, 'invalid resume token')
    if (sequence < changeLog.oldestRetainedSequence - 1) {
      throw new MongoCommandError(
        errorCodes.changeStreamHistoryLost,
        'Resume of change stream was not possible, as the resume point may no longer be in the oplog.',
      )
    }
    return sequence
  }
  if (options.startAtOperationTime !== undefined && options.startAtOperationTime !== null) {
    return changeLog.sequenceBefore(options.startAtOperationTime as Timestamp)
  }
  return changeLog.latestSequence
}

/** `aggregate` whose first stage is `$changeStream`: opens a tailing cursor over the change log. */
export function startChangeStream(
  context: CommandContext,
  collectionName: string | undefined,
  pipeline: Document[],
): Document {
  if (!context.server.isReplicaSet) {
    throw new MongoCommandError(
      errorCodes.changeStreamOnStandalone,
      'The $changeStream stage is only supported on replica sets',
    )
  }
  if (context.transaction !== undefined) {
    throw new MongoCommandError(
      errorCodes.operationNotSupportedInTransaction,
      'Operation not permitted in transaction :: caused by :: $changeStream is not allowed in a transaction',
    )
  }
  const [first, ...stages] = pipeline
  const options = (isPlainObject(first?.$changeStream) ? first.$changeStream : {}) as Document
  const clusterWide = options.allChangesForCluster === true
  const scope = clusterWide ? {} : { database: context.database, collection: collectionName }
  const stream = new ChangeStream(
    context.server.changeLog,
    context.server.catalog,
    scope,
    stages,
    typeof options.fullDocument === 'string' ? options.fullDocument : 'default',
    startPosition(context, options),
    options.showExpandedEvents === true,
  )
  const cursorOptions = (context.command.cursor ?? {}) as Document
  const batchSize = numberArgument(cursorOptions.batchSize, defaultFirstBatchSize)
  const firstBatch = stream.nextBatch(batchSize)
  const namespace =
    collectionName === undefined
      ? `${context.database}.$cmd.aggregate`
      : `${context.database}.${collectionName}`
  const id = context.server.cursors.newId()
  context.server.cursors.add({
    kind: 'changeStream',
    id,
    namespace,
    stream,
    sessionKey: context.session?.key,
    killed: false,
  })
  return { cursor: { firstBatch, postBatchResumeToken: stream.resumeToken, id, ns: namespace }, ok: 1 }
}

/**
 * getMore on a change stream blocks until an event arrives or the await time passes. The driver
 * sends no maxTimeMS by default, so the server waits `defaultAwaitMs` itself rather than spin.
 */
export async function changeStreamGetMore(
  context: CommandContext,
  cursor: ChangeStreamCursor,
): Promise<Document> {
  const limit = numberArgument(context.command.batchSize, 0) || Number.POSITIVE_INFINITY
  const awaitMs = numberArgument(context.command.maxTimeMS, context.server.options.defaultAwaitMs)
  const deadline = Date.now() + awaitMs
  let nextBatch = cursor.stream.nextBatch(limit)
  while (nextBatch.length === 0 && !cursor.killed && Date.now() < deadline) {
    await context.server.changeLog.waitForChange(deadline - Date.now()).promise
    if (!cursor.killed) nextBatch = cursor.stream.nextBatch(limit)
  }
  if (cursor.killed) {
    throw new MongoCommandError(errorCodes.cursorNotFound, `cursor id ${cursor.id.toString()} not found`)
  }
  return {
    cursor: {
      nextBatch,
      postBatchResumeToken: cursor.stream.resumeToken,
      id: cursor.id,
      ns: cursor.namespace,
    },
    ok: 1,
  }
}
