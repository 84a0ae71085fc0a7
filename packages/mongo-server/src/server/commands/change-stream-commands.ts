import { Long, type Timestamp } from 'bson'
import { type Document, isPlainObject, numberArgument } from '../bson-values.js'
import { ChangeStream, type ChangeStreamStart } from '../change-streams/change-stream.js'
import { parseResumeToken } from '../change-streams/resume-token.js'
import type { ChangeStreamCursor } from '../cursors.js'
import { errorCodes, MongoCommandError } from '../errors.js'
import type { CommandContext } from './command-context.js'
import { defaultFirstBatchSize } from './cursor-replies.js'

/** Where the stream starts: after a resume token, at an operation time, or now. */
function startOf(context: CommandContext, options: Document): ChangeStreamStart {
  const changeLog = context.server.changeLog
  const { resumeAfter, startAfter } = options
  const given = (value: unknown) => value !== undefined && value !== null
  if (given(resumeAfter) && given(startAfter)) {
    throw new MongoCommandError(
      50865,
      "Do not specify both 'resumeAfter' and 'startAfter' in a $changeStream stage",
    )
  }
  const token = given(resumeAfter) ? resumeAfter : startAfter
  if (given(token)) {
    const point = parseResumeToken(token)
    if (point === undefined) throw new MongoCommandError(errorCodes.badValue, 'invalid resume token')
    if (point.fromInvalidate && given(resumeAfter)) {
      throw new MongoCommandError(
        errorCodes.invalidResumeToken,
        "Attempting to resume a change stream using 'resumeAfter' is not allowed from an invalidate notification.",
      )
    }
    if (point.sequence < changeLog.oldestRetainedSequence - 1) {
      throw new MongoCommandError(
        errorCodes.changeStreamHistoryLost,
        'Resume of change stream was not possible, as the resume point may no longer be in the oplog.',
      )
    }
    return { position: point.sequence, resumedAfterChange: !point.fromInvalidate }
  }
  if (given(options.startAtOperationTime)) {
    const position = changeLog.sequenceBefore(options.startAtOperationTime as Timestamp)
    return { position, resumedAfterChange: false }
  }
  return { position: changeLog.latestSequence, resumedAfterChange: false }
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
    startOf(context, options),
    options.showExpandedEvents === true,
  )
  const cursorOptions = (context.command.cursor ?? {}) as Document
  const batchSize = numberArgument(cursorOptions.batchSize, defaultFirstBatchSize)
  const firstBatch = stream.nextBatch(batchSize)
  const namespace =
    collectionName === undefined
      ? `${context.database}.$cmd.aggregate`
      : `${context.database}.${collectionName}`
  // An invalidate in the first batch (resuming after a drop) closes the cursor at once.
  const id = stream.finished ? Long.ZERO : context.server.cursors.newId()
  if (!stream.finished) {
    context.server.cursors.add({
      kind: 'changeStream',
      id,
      namespace,
      stream,
      sessionKey: context.session?.key,
      killed: false,
    })
  }
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
  const stream = cursor.stream
  const next = () => {
    try {
      return stream.nextBatch(limit)
    } catch (error) {
      // mongod destroys a cursor whose getMore fails (280 for an event whose _id was modified).
      context.server.cursors.remove(cursor.id)
      throw error
    }
  }
  let nextBatch = next()
  while (nextBatch.length === 0 && !stream.finished && !cursor.killed && Date.now() < deadline) {
    await context.server.changeLog.waitForChange(deadline - Date.now()).promise
    if (!cursor.killed) nextBatch = next()
  }
  if (cursor.killed) {
    throw new MongoCommandError(errorCodes.cursorNotFound, `cursor id ${cursor.id.toString()} not found`)
  }
  // After an invalidate the cursor is closed: id 0 tells the driver the stream has ended.
  if (stream.finished) context.server.cursors.remove(cursor.id)
  return {
    cursor: {
      nextBatch,
      postBatchResumeToken: stream.resumeToken,
      id: stream.finished ? Long.ZERO : cursor.id,
      ns: cursor.namespace,
    },
    ok: 1,
  }
}
