import type { HeartbeatJobsParams, HeartbeatResult } from '@durabl/core'
import type { AnyBulkWriteOperation, Document } from 'mongodb'
import { commandComment } from '../command-comment.js'
import type { JobDocument } from '../job-document.js'
import type { OperationContext } from '../operation-context.js'
import { assertDate, assertPositiveFinite, parseLeaseRef } from '../validate.js'
import { findHeldLeases } from './find-held-leases.js'
import { jobUpdatesModifier, updateDocument } from './job-updates.js'
import { runBulkWrite } from './run-bulk-write.js'
import { isOversizedStatement } from './too-large-failure.js'

/**
 * Extends leases in one round trip: an unordered bulkWrite of updateOnes, each guarded by
 * `{ _id, state: 'active', leaseToken, cancelRequestedAt: null }` and each with its own deadline,
 * progress and log lines. bulkWrite reports only the total matched, so when it equals the batch
 * every lease was held and no cancel was requested: the common case costs no other command.
 * Otherwise one read of the batch tells which leases are still held, and which of those have a
 * cancel request (see decision 0003).
 */
export async function heartbeatJobs(
  context: OperationContext,
  params: HeartbeatJobsParams,
): Promise<HeartbeatResult> {
  assertDate(params.now, 'now')
  const now = params.now
  const refs = params.jobs.map((job, index) => {
    const field = `jobs[${index}]`
    const ref = parseLeaseRef(job, field)
    assertPositiveFinite(job.leaseMs, `${field}.leaseMs`)
    const { set, push } = jobUpdatesModifier(job, context.options.maxLogEntries, field)
    const heartbeat = (updates: { set: Document; push: Document }): AnyBulkWriteOperation<JobDocument> => ({
      updateOne: {
        // A job whose cancel was requested does not match: nothing is written for it, and the
        // short matched count sends us to the read below, which reports it.
        filter: { _id: ref._id, state: 'active', leaseToken: ref.leaseToken, cancelRequestedAt: null },
        update: updateDocument({
          set: { ...updates.set, leaseExpiresAt: new Date(now.getTime() + job.leaseMs), updatedAt: now },
          push: updates.push,
          inc: { rev: 1 },
        }),
      },
    })
    // Progress or logs of 16 MiB or more would make the driver refuse the whole batch: extend the
    // lease without them.
    const full = heartbeat({ set, push })
    const bare = heartbeat({ set: {}, push: {} })
    return { id: job.id, ref, operation: isOversizedStatement(full) ? bare : full, bare }
  })
  if (refs.length === 0) return { applied: [], lost: [], cancelRequested: [] }
  const comment = commandComment('heartbeatJobs')
  const outcome = await runBulkWrite(
    context.collection,
    refs.map((entry) => entry.operation),
    { comment },
  )
  let matchedCount = outcome.matchedCount
  if (outcome.tooLarge.size > 0) {
    // The server refused these for size (the progress or logs would grow the job past 16 MiB):
    // the lease still needs extending, so send those heartbeats again without their updates.
    const refused = [...outcome.tooLarge.keys()].flatMap((index) => refs[index]?.bare ?? [])
    matchedCount += (await runBulkWrite(context.collection, refused, { comment })).matchedCount
  }
  if (matchedCount === refs.length)
    return { applied: refs.map((entry) => entry.id), lost: [], cancelRequested: [] }
  // Read even when nothing matched: the leases may all be held with a cancel requested.
  const held = await findHeldLeases(
    context,
    refs.map((entry) => entry.ref._id),
  )
  const result: HeartbeatResult = { applied: [], lost: [], cancelRequested: [] }
  for (const entry of refs) {
    // A lease seen held after the write was held during it (tokens are never reused), so the
    // heartbeat applied unless a cancel was requested (then the filter refused it, or the request
    // came after it: either way the worker must hear of it); a lease lost after the write is
    // reported lost even if it applied, which is what the worker needs to hear.
    const lease = held.get(entry.ref._id.toHexString())
    if (lease === undefined || lease.leaseToken !== entry.ref.leaseToken) result.lost.push(entry.id)
    else if (lease.cancelRequested) result.cancelRequested.push(entry.id)
    else result.applied.push(entry.id)
  }
  return result
}
