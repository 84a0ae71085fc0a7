import type { AckResult, CompleteJobsParams } from '@durabl/core'
import type { AnyBulkWriteOperation } from 'mongodb'
import type { JobDocument } from '../job-document.js'
import type { OperationContext } from '../operation-context.js'
import { assertDate, parseLeaseRef } from '../validate.js'
import { applyEndingWrites, newAckId } from './apply-ending-writes.js'
import { jobUpdatesModifier, updateDocument } from './job-updates.js'
import { retentionDeadline } from './retention.js'

/**
 * Marks jobs completed in one round trip (unordered bulkWrite of lease-guarded updateOnes). The
 * job's dedupe slots are released, its TTL deadline set. When the matched count falls short, one
 * read of `lastAckId` tells applied from lost.
 */
export async function completeJobs(
  context: OperationContext,
  params: CompleteJobsParams,
): Promise<AckResult> {
  assertDate(params.now, 'now')
  const now = params.now
  const expiresAt = retentionDeadline(now, context.options.retention.completedMs)
  const refs = params.jobs.map((job, index) => {
    const field = `jobs[${index}]`
    const ref = parseLeaseRef(job, field)
    const { set, push } = jobUpdatesModifier(job, context.options.maxLogEntries, field)
    const ackId = newAckId()
    const operation: AnyBulkWriteOperation<JobDocument> = {
      updateOne: {
        filter: { _id: ref._id, state: 'active', leaseToken: ref.leaseToken },
        update: updateDocument({
          set: {
            ...set,
            state: 'completed',
            result: job.result === undefined ? null : job.result,
            finishedAt: now,
            updatedAt: now,
            leaseToken: null,
            leaseExpiresAt: null,
            workerId: null,
            lastAckId: ackId,
            ...(expiresAt ? { expiresAt } : {}),
          },
          push,
          inc: { rev: 1 },
          unset: { dedupe: '' },
        }),
      },
    }
    return { id: job.id, ref, ackId, operations: [operation] }
  })
  // A completion refused for size failed the job instead (with a DOCUMENT_TOO_LARGE error): the
  // completion did not apply, so the worker hears `lost`, and the job's error says why.
  const result = await applyEndingWrites(context, refs, now)
  return { applied: result.applied, lost: [...result.lost, ...result.tooLarge] }
}
