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
 * Cancels the selected jobs that have not finished: a pending job becomes `cancelled` (dedupe
 * slots released, TTL deadline set); an active job gets `cancelRequestedAt` and stays active
 * under its lease, for its worker to end (see `heartbeatJobs`). Reads the matching ids, then per
 * chunk one guarded `updateMany` per state the selection allows: the pending one first, so a job
 * claimed between the read and the writes still gets its request.
 */
export async function cancelJobs(context: OperationContext, params: SelectJobsParams): Promise<string[]> {
  assertDate(params.now, 'now')
  const now = params.now
  const query = restrictStates(toSelection(params), ['pending', 'active'])
  const states: string[] = query.state.$in
  const expiresAt = retentionDeadline(now, context.options.retention.cancelledMs)
  const comment = commandComment('cancelJobs')
  const changed: string[] = []
  const cursor = context.collection.find(query, { projection: { _id: 1 }, comment })
  let chunk: ObjectId[] = []
  const flush = async () => {
    if (chunk.length === 0) return
    const adminToken = newLeaseToken()
    let modifiedCount = 0
    if (states.includes('pending')) {
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
        { comment },
      )
      modifiedCount += result.modifiedCount
    }
    if (states.includes('active')) {
      // A request already stored is kept as it is (and this call does not report the job).
      const result = await context.collection.updateMany(
        { _id: { $in: chunk }, state: 'active', cancelRequestedAt: null },
        { $set: { cancelRequestedAt: now, updatedAt: now, adminToken }, $inc: { rev: 1 } },
        { comment },
      )
      modifiedCount += result.modifiedCount
    }
    changed.push(...(await idsMarkedBy(context, chunk, adminToken, modifiedCount, comment)))
    chunk = []
  }
  for await (const document of cursor) {
    chunk.push(document._id)
    if (chunk.length >= ADMIN_CHUNK_SIZE) await flush()
  }
  await flush()
  return changed
}
