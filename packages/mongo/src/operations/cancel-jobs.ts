import type { SelectJobsParams } from '@durabl/core'
import type { ObjectId } from 'mongodb'
import { commandComment } from '../command-comment.js'
import { newLeaseToken } from '../lease-token.js'
import type { OperationContext } from '../operation-context.js'
import { assertDate } from '../validate.js'
import { restrictStates, toSelection } from './job-filter.js'
import { retentionDeadline } from './retention.js'

/** Admin operations work through matching ids in chunks of this many. */
export const ADMIN_CHUNK_SIZE = 1_000

/**
 * Marks the writes of one admin operation so it can report exactly which documents it changed:
 * a guarded `updateMany` tells only how many, and a job may be claimed between the read of the
 * selection and the write.
 */
export async function idsMarkedBy(
  context: OperationContext,
  ids: ObjectId[],
  adminToken: string,
  modifiedCount: number,
  comment: string,
): Promise<string[]> {
  if (modifiedCount === ids.length) return ids.map((id) => id.toHexString())
  if (modifiedCount === 0) return []
  const marked = await context.collection
    .find({ _id: { $in: ids }, adminToken }, { projection: { _id: 1 }, comment })
    .toArray()
  return marked.map((document) => document._id.toHexString())
}

/**
 * Cancels pending jobs in the selection (others are left as they are): releases their dedupe
 * slots and sets their TTL deadline. Reads the matching ids, then one guarded `updateMany` per chunk.
 */
export async function cancelJobs(context: OperationContext, params: SelectJobsParams): Promise<string[]> {
  assertDate(params.now, 'now')
  const now = params.now
  const query = restrictStates(toSelection(params), ['pending'])
  const expiresAt = retentionDeadline(now, context.options.retention.cancelledMs)
  const cancelled: string[] = []
  const cursor = context.collection.find(query, {
    projection: { _id: 1 },
    comment: commandComment('cancelJobs'),
  })
  let chunk: ObjectId[] = []
  const flush = async () => {
    if (chunk.length === 0) return
    const adminToken = newLeaseToken()
    const result = await context.collection.updateMany(
      { _id: { $in: chunk }, state: 'pending' },
      {
        $set: {
          state: 'cancelled',
          finishedAt: now,
          updatedAt: now,
          adminToken,
          ...(expiresAt ? { expiresAt } : {}),
        },
        $unset: { dedupe: '' },
        $inc: { rev: 1 },
      },
      { comment: commandComment('cancelJobs') },
    )
    cancelled.push(
      ...(await idsMarkedBy(context, chunk, adminToken, result.modifiedCount, commandComment('cancelJobs'))),
    )
    chunk = []
  }
  for await (const document of cursor) {
    chunk.push(document._id)
    if (chunk.length >= ADMIN_CHUNK_SIZE) await flush()
  }
  await flush()
  return cancelled
}
