import type { AckResult, ReleaseJobsParams } from '@durabl/core'
import type { Document } from 'mongodb'
import type { OperationContext } from '../operation-context.js'
import { assertDate, parseLeaseRef } from '../validate.js'
import { applyEndingWrites, type EndingWrite, newAckId } from './apply-ending-writes.js'
import { jobUpdatesModifier, updateDocument } from './job-updates.js'
import { reclaimQueuedSlots } from './reclaim-queued-slots.js'

/**
 * Gives jobs back at shutdown: pending, due at `now`, the attempt not counted. A `'pending'`-scope
 * job frees its key's running slot and takes the queued slot back when free; a `'pending+active'`
 * job keeps both its slots. The backend does
 * not know each job's scope without a read, so each job gets two mutually exclusive guarded
 * writes (one per scope) in the same bulkWrite: still one round trip, no pipeline update.
 */
export async function releaseJobs(context: OperationContext, params: ReleaseJobsParams): Promise<AckResult> {
  assertDate(params.now, 'now')
  const now = params.now
  const writes: EndingWrite[] = params.jobs.map((job, index) => {
    const field = `jobs[${index}]`
    const ref = parseLeaseRef(job, field)
    const { set, push } = jobUpdatesModifier(job, context.options.maxLogEntries, field)
    const ackId = newAckId()
    const common: Document = {
      ...set,
      state: 'pending',
      runAt: now,
      updatedAt: now,
      leaseToken: null,
      leaseExpiresAt: null,
      workerId: null,
      lastAckId: ackId,
    }
    const guard = { _id: ref._id, state: 'active' as const, leaseToken: ref.leaseToken }
    return {
      id: job.id,
      ref,
      ackId,
      operations: [
        {
          updateOne: {
            filter: { ...guard, dedupeScope: 'pending' },
            update: updateDocument({
              set: { ...common, 'dedupe.activeKey': null },
              push,
              inc: { attempts: -1, rev: 1 },
            }),
          },
        },
        {
          updateOne: {
            filter: { ...guard, dedupeScope: { $ne: 'pending' } },
            update: updateDocument({ set: common, push, inc: { attempts: -1, rev: 1 } }),
          },
        },
      ],
    }
  })
  const ended = await applyEndingWrites(context, writes, now)
  // A release refused for size failed the job instead (DOCUMENT_TOO_LARGE): it was not released.
  const result: AckResult = { applied: ended.applied, lost: [...ended.lost, ...ended.tooLarge] }
  const applied = new Set(result.applied)
  if (applied.size > 0) {
    // 'pending'-scope jobs take their key's queued slot back when it is free. The release could not
    // know the key without a read, so the read comes after, and only when something was released.
    const released = await context.collection
      .find(
        {
          _id: { $in: writes.filter((write) => applied.has(write.id)).map((write) => write.ref._id) },
          state: 'pending',
          dedupeScope: 'pending',
          dedupeKey: { $type: 'string' },
        },
        { projection: { _id: 1, dedupeKey: 1 } },
      )
      .toArray()
    await reclaimQueuedSlots(
      context,
      released.map((document) => ({ _id: document._id, dedupeKey: document.dedupeKey as string })),
    )
  }
  return result
}
