import { Long } from 'bson'
import type { Document } from '../bson-values.js'
import type { CommandContext } from './command-context.js'

/** Default size of a first batch, as in mongod. */
export const defaultFirstBatchSize = 101

/**
 * Replies with the first batch and, if documents remain, registers a cursor for getMore.
 * Cursor ids are Int64 (Long.ZERO when exhausted): the driver rejects anything else.
 */
export function firstBatchReply(
  context: CommandContext,
  namespace: string,
  documents: Document[],
  batchSize: number | undefined,
  singleBatch: boolean,
): Document {
  const size = batchSize === undefined ? defaultFirstBatchSize : batchSize
  const firstBatch = singleBatch ? documents : documents.slice(0, size)
  let id = Long.ZERO
  if (firstBatch.length < documents.length) {
    id = context.server.cursors.newId()
    context.server.cursors.add({
      kind: 'batch',
      id,
      namespace,
      documents,
      position: firstBatch.length,
      sessionKey: context.session?.key,
    })
  }
  return { cursor: { firstBatch, id, ns: namespace }, ok: 1 }
}
