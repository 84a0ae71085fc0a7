import { type FailJob, type FailJobsParams, type FailResult, ValidationError } from '@durabl/core'
import type { Document } from 'mongodb'
import { commandComment } from '../command-comment.js'
import type { OperationContext } from '../operation-context.js'
import { cappedError } from '../size-caps.js'
import { assertArray, assertDate, parseDedupeRef, parseLeaseRef } from '../validate.js'
import { applyEndingWrites, type EndingWrite, NO_CANCEL_REQUEST, newAckId } from './apply-ending-writes.js'
import { dedupeGuard, returnToPendingSlots } from './ending-dedupe.js'
import { jobUpdatesModifier, updateDocument } from './job-updates.js'
import { FREE_LIMIT_SLOTS } from './limit-slots.js'
import { retentionDeadline } from './retention.js'

/** A failure's write and the outcome it records when applied. */
export interface FailWrite extends EndingWrite {
  outcome: 'retried' | 'failed'
}

/**
 * Records failed attempts in the end state the runtime decided under its lease (`retryAt`, or
 * null for good), in one bulkWrite and without a read: the write is guarded by the lease token and
 * by the dedupe key and scope the runtime names, which are all it needs to move the job's slots.
 *
 * Retried jobs go back to `pending` due at `retryAt`; the rest become `failed`, with their dedupe
 * slots released and their TTL deadline set. Errors are kept with `$push` + `$slice` to the newest
 * `maxErrorHistory`.
 */
export async function failJobs(context: OperationContext, params: FailJobsParams): Promise<FailResult> {
  assertDate(params.now, 'now')
  const writes = failWrites(context, params.jobs, params.now, 'jobs')
  const acknowledged = await applyEndingWrites(context, writes, {
    comment: commandComment('failJobs'),
    now: params.now,
  })
  return splitFailResult(writes, acknowledged)
}

/**
 * Sorts applied failures into retried and failed, by the outcome each write recorded. A failure
 * refused for size (`tooLarge`) failed the job for good anyway, with a DOCUMENT_TOO_LARGE error.
 */
export function splitFailResult(
  writes: FailWrite[],
  ended: { applied: string[]; lost: string[]; tooLarge: string[]; cancelRequested: string[] },
): FailResult {
  const outcomeOf = new Map(writes.map((write) => [write.id, write.outcome]))
  const result: FailResult = {
    retried: [],
    failed: [...ended.tooLarge],
    lost: [...ended.lost],
    cancelRequested: [...ended.cancelRequested],
  }
  const applied = ended.applied
  for (const id of applied) result[outcomeOf.get(id) ?? 'failed'].push(id)
  return result
}

/** One lease-guarded write per failure; `acknowledgeJobs` sends them with other kinds. */
export function failWrites(
  context: OperationContext,
  jobs: FailJob[],
  now: Date,
  field: string,
): FailWrite[] {
  assertArray(jobs, field)
  const failedExpiresAt = retentionDeadline(now, context.options.retention.failedMs)
  return jobs.map((job, index) => {
    const path = `${field}[${index}]`
    const ref = parseLeaseRef(job, path)
    const dedupe = parseDedupeRef(job, path)
    if (job.retryAt !== null) assertDate(job.retryAt, `${path}.retryAt`)
    if (typeof job.error !== 'object' || job.error === null) {
      throw new ValidationError(`${path}.error`, 'must be a JobError object', job.error)
    }
    const error = cappedError(job.error)
    const { set, push } = jobUpdatesModifier(job, context.options.maxLogEntries, path)
    const ackId = newAckId()
    const common: Document = {
      ...set,
      lastError: error,
      updatedAt: now,
      leaseToken: null,
      leaseExpiresAt: null,
      workerId: null,
      lastAckId: ackId,
    }
    const pushed = { ...push, errors: { $each: [error], $slice: -context.options.maxErrorHistory } }
    const filter = {
      _id: ref._id,
      state: 'active' as const,
      leaseToken: ref.leaseToken,
      ...dedupeGuard(dedupe),
    }
    if (job.retryAt === null) {
      const update = updateDocument({
        set: {
          ...common,
          state: 'failed',
          finishedAt: now,
          ...(failedExpiresAt ? { expiresAt: failedExpiresAt } : {}),
        },
        push: pushed,
        inc: { rev: 1 },
        unset: { dedupe: '', ...FREE_LIMIT_SLOTS },
      })
      return { id: job.id, ref, ackId, outcome: 'failed', operations: [{ updateOne: { filter, update } }] }
    }
    const retryAt = job.retryAt
    // A job whose cancel was requested never goes back to pending: the miss is reported as
    // `cancelRequested` and the runtime cancels it instead.
    const retryFilter = { ...filter, ...NO_CANCEL_REQUEST }
    const retryUpdate = (slots: Document) =>
      updateDocument({
        set: { ...common, ...slots, state: 'pending', runAt: retryAt },
        push: pushed,
        inc: { rev: 1 },
        unset: FREE_LIMIT_SLOTS,
      })
    const slots = returnToPendingSlots(dedupe)
    return {
      id: job.id,
      ref,
      ackId,
      outcome: 'retried',
      refusedOnCancelRequest: true,
      operations: [{ updateOne: { filter: retryFilter, update: retryUpdate(slots.preferred) } }],
      ...(slots.fallback !== null
        ? { onDuplicate: [{ updateOne: { filter: retryFilter, update: retryUpdate(slots.fallback) } }] }
        : {}),
    }
  })
}
