import { type ClaimOrEnqueueParams, type ClaimOrEnqueueResult, ValidationError } from '@durabl/core'
import { MongoServerError } from 'mongodb'
import { commandComment } from '../command-comment.js'
import { type JobDocument, toJob } from '../job-document.js'
import { newLeaseToken } from '../lease-token.js'
import type { OperationContext } from '../operation-context.js'
import { assertDate, assertDedupeScope, assertNonEmptyString, assertPositiveFinite } from '../validate.js'
import { buildJobDocument } from './enqueue-jobs.js'
import { DUPLICATE_KEY } from './run-bulk-write.js'

function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY
}

/**
 * Single-flight without a poll delay. First inserts the job directly as `active`, holding the key's
 * running slot (and, for `'pending+active'`, its queued slot too): the unique index admits it only
 * when no job with the key runs, so the caller may run it inline. If the index refuses and the
 * scope is `'pending'`, inserts it as pending behind the running job, which the queued-slot index
 * admits only once. One command in the common case, two when the key is busy.
 */
export async function claimOrEnqueue(
  context: OperationContext,
  params: ClaimOrEnqueueParams,
): Promise<ClaimOrEnqueueResult> {
  assertDate(params.now, 'now')
  assertNonEmptyString(params.workerId, 'workerId')
  assertPositiveFinite(params.leaseMs, 'leaseMs')
  const job = params.job
  if (typeof job !== 'object' || job === null) throw new ValidationError('job', 'must be an object', job)
  assertNonEmptyString(job.dedupeKey, 'job.dedupeKey')
  assertDedupeScope(job.dedupeScope, 'job.dedupeScope')
  const now = params.now
  const pending = buildJobDocument(context, job, now, 'job')

  const active: JobDocument = {
    ...pending,
    state: 'active',
    attempts: 1,
    leaseToken: newLeaseToken(),
    leaseExpiresAt: new Date(now.getTime() + params.leaseMs),
    workerId: params.workerId,
    startedAt: now,
    dedupe:
      job.dedupeScope === 'pending'
        ? { activeKey: job.dedupeKey }
        : { pendingKey: job.dedupeKey, activeKey: job.dedupeKey },
  }
  try {
    await context.collection.insertOne(active, { comment: commandComment('claimOrEnqueue') })
    return { outcome: 'claimed', job: toJob(active) }
  } catch (error) {
    if (!isDuplicateKey(error)) throw error
  }
  if (job.dedupeScope !== 'pending') return { outcome: 'duplicate' }
  try {
    await context.collection.insertOne(pending, { comment: commandComment('claimOrEnqueue') })
    return { outcome: 'enqueued', id: pending._id.toHexString() }
  } catch (error) {
    if (isDuplicateKey(error)) return { outcome: 'duplicate' }
    throw error
  }
}
