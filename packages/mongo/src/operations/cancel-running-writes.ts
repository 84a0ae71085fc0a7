import { type CancelJob, ValidationError } from '@durabl/core'
import type { OperationContext } from '../operation-context.js'
import { cappedError } from '../size-caps.js'
import { assertArray, parseLeaseRef } from '../validate.js'
import { type EndingWrite, newAckId } from './apply-ending-writes.js'
import { jobUpdatesModifier, updateDocument } from './job-updates.js'
import { FREE_LIMIT_SLOTS } from './limit-slots.js'
import { retentionDeadline } from './retention.js'

/**
 * One lease-guarded write per running job to end `cancelled` (the `cancel` list of
 * `acknowledgeJobs`, which sends them with the other kinds): `finishedAt`, the lease cleared, the
 * attempt's error recorded (capped history), the dedupe slots released and the TTL deadline set,
 * as a completion does. Not guarded on a stored cancel request: the lease decides.
 */
export function cancelRunningWrites(
  context: OperationContext,
  jobs: CancelJob[],
  now: Date,
  field: string,
): EndingWrite[] {
  assertArray(jobs, field)
  const expiresAt = retentionDeadline(now, context.options.retention.cancelledMs)
  return jobs.map((job, index) => {
    const path = `${field}[${index}]`
    const ref = parseLeaseRef(job, path)
    if (typeof job.error !== 'object' || job.error === null) {
      throw new ValidationError(`${path}.error`, 'must be a JobError object', job.error)
    }
    const error = cappedError(job.error)
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
                state: 'cancelled',
                lastError: error,
                finishedAt: now,
                updatedAt: now,
                leaseToken: null,
                leaseExpiresAt: null,
                workerId: null,
                lastAckId: ackId,
                ...(expiresAt ? { expiresAt } : {}),
              },
              push: { ...push, errors: { $each: [error], $slice: -context.options.maxErrorHistory } },
              inc: { rev: 1 },
              unset: { dedupe: '', ...FREE_LIMIT_SLOTS },
            }),
          },
        },
      ],
    }
  })
}
