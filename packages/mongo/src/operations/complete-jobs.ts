import type { AckResult, CompleteJob, CompleteJobsParams } from '@durabl/core'
import { commandComment } from '../command-comment.js'
import type { OperationContext } from '../operation-context.js'
import { assertArray, assertDate, parseLeaseRef } from '../validate.js'
import { applyEndingWrites, type EndingWrite, newAckId } from './apply-ending-writes.js'
import { jobUpdatesModifier, updateDocument } from './job-updates.js'
import { FREE_LIMIT_SLOTS } from './limit-slots.js'
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
  const writes = completeWrites(context, params.jobs, params.now, 'jobs')
  const ended = await applyEndingWrites(context, writes, {
    comment: commandComment('completeJobs'),
    now: params.now,
  })
  // A completion refused for size failed the job instead (with a DOCUMENT_TOO_LARGE error): the
  // completion did not apply, so the worker hears `lost`, and the job's error says why.
  return { applied: ended.applied, lost: [...ended.lost, ...ended.tooLarge] }
}

/** One lease-guarded write per completion; `acknowledgeJobs` sends them with other kinds. */
export function completeWrites(
  context: OperationContext,
  jobs: CompleteJob[],
  now: Date,
  field: string,
): EndingWrite[] {
  assertArray(jobs, field)
  const expiresAt = retentionDeadline(now, context.options.retention.completedMs)
  return jobs.map((job, index) => {
    const path = `${field}[${index}]`
    const ref = parseLeaseRef(job, path)
    const { set, push } = jobUpdatesModifier(job, context.options.maxLogEntries, path)
    const ackId = newAckId()
    return {
      id: job.id,
      ref,
      ackId,
      operations: [
        {
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
              unset: { dedupe: '', ...FREE_LIMIT_SLOTS },
            }),
          },
        },
      ],
    }
  })
}
