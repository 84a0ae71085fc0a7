import { type Document, MongoServerError } from 'mongodb'
import { commandComment } from '../command-comment.js'
import type { JobDocument } from '../job-document.js'
import { newLeaseToken } from '../lease-token.js'
import type { OperationContext } from '../operation-context.js'
import { claimQuery } from './claim-query.js'
import { DUPLICATE_KEY } from './run-bulk-write.js'

/**
 * Claims the head of the queue in ONE command: a `findOneAndUpdate` with the claim's filter and
 * sort and the fenced lease written by a pipeline update (attempts + 1, a fresh lease token, the
 * lease of the job's type, and for a `'pending'`-scope job its key moved from the queued slot to
 * the running slot). mongod applies a findAndModify atomically to the one document it selects, so
 * no other claim can take it meanwhile and no confirming read is needed.
 *
 * Returns the claimed document, null when no job is due, or `'blocked'` when the unique running
 * slot index refused the head (another job with its dedupe key is active): the caller then claims
 * through the batch path, which skips that job. See docs/decisions/0006-single-job-claims.md.
 *
 * For types without fleet-wide limits only: it takes no limit slot and reserves no start, so
 * `claimJobs` sends a claim with a limited type open through `claimLimitedJobs` instead.
 */
export async function claimOneJob(
  context: OperationContext,
  types: ReadonlyArray<{ type: string; leaseMs: number }>,
  workerId: string,
  now: Date,
): Promise<JobDocument | null | 'blocked'> {
  const { filter, sort } = claimQuery(
    types.map((entry) => entry.type),
    now,
  )
  try {
    return await context.collection.findOneAndUpdate(filter, claimPipeline(types, workerId, now), {
      sort,
      returnDocument: 'after',
      comment: commandComment('claimOneJob'),
    })
  } catch (error) {
    if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return 'blocked'
    throw error
  }
}

/** The claim as a pipeline update, so the running slot can take the document's own dedupe key. */
function claimPipeline(
  types: ReadonlyArray<{ type: string; leaseMs: number }>,
  workerId: string,
  now: Date,
): Document[] {
  const expiresAt = (leaseMs: number) => new Date(now.getTime() + leaseMs)
  const leases = new Set(types.map((entry) => entry.leaseMs))
  const first = types[0]?.leaseMs ?? 0
  const leaseExpiresAt =
    leases.size <= 1
      ? expiresAt(first)
      : {
          $switch: {
            branches: types.map((entry) => ({
              case: { $eq: ['$type', { $literal: entry.type }] },
              // biome-ignore lint/suspicious/noThenProperty: MongoDB's $switch branch names its result `then`
              then: expiresAt(entry.leaseMs),
            })),
            default: expiresAt(first),
          },
        }
  return [
    {
      $set: {
        state: 'active',
        attempts: { $add: ['$attempts', 1] },
        leaseToken: { $literal: newLeaseToken() },
        leaseExpiresAt,
        workerId: { $literal: workerId },
        startedAt: now,
        updatedAt: now,
        rev: { $add: ['$rev', 1] },
        // A 'pending'-scope job moves from its key's queued slot to the running slot; the unique
        // index refuses the write when another job with the key runs. 'pending+active' jobs
        // already hold both slots.
        dedupe: {
          $cond: [
            {
              $and: [{ $eq: ['$dedupeScope', 'pending'] }, { $eq: [{ $type: '$dedupeKey' }, 'string'] }],
            },
            { pendingKey: null, activeKey: '$dedupeKey' },
            '$dedupe',
          ],
        },
      },
    },
  ]
}
