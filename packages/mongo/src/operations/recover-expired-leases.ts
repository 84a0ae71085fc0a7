import { type RecoverExpiredLeasesParams, type RecoverResult, ValidationError } from '@durabl/core'
import type { Document } from 'mongodb'
import { commandComment } from '../command-comment.js'
import type { OperationContext } from '../operation-context.js'
import { cappedError } from '../size-caps.js'
import { assertDate } from '../validate.js'
import { leaseExpiryQuery } from './lease-expiry-query.js'
import { reclaimQueuedSlots } from './reclaim-queued-slots.js'
import { retentionDeadline } from './retention.js'

/**
 * Returns expired leases in two pipeline `updateMany`s over the `durabl_lease_expiry` index: one
 * for jobs on their last attempt (→ `failed`), one for the rest (→ `pending`, due at `now`). Two,
 * because one `updateMany` reports a single modified count and the caller wants both; the
 * attempts split is an `$expr` on each, so a lease that expires between the two writes still
 * lands on the right side. A pipeline, because the recorded error carries each job's own attempt.
 *
 * The error comes from the caller and is wrapped in `$literal`: a user string that starts with
 * `$` is never read as a field path or an operator.
 */
export async function recoverExpiredLeases(
  context: OperationContext,
  params: RecoverExpiredLeasesParams,
): Promise<RecoverResult> {
  assertDate(params.now, 'now')
  if (typeof params.error !== 'object' || params.error === null) {
    throw new ValidationError('error', 'must be a JobError without attempt', params.error)
  }
  const now = params.now
  const expired = leaseExpiryQuery(now).filter
  // Almost always nothing has expired: one indexed probe keeps an idle process at one command
  // per recovery interval instead of three.
  const anyExpired = await context.collection.findOne(expired, {
    projection: { _id: 1 },
    comment: commandComment('recoverExpiredLeases'),
  })
  if (anyExpired === null) return { recovered: 0, failed: 0 }
  const error = {
    $mergeObjects: [
      { $literal: { ...cappedError(params.error), at: params.error.at ?? now } },
      { attempt: '$attempts' },
    ],
  }
  const errors = {
    $slice: [{ $concatArrays: [{ $ifNull: ['$errors', []] }, [error]] }, -context.options.maxErrorHistory],
  }
  const ended: Document = {
    lastError: error,
    errors,
    updatedAt: now,
    leaseToken: null,
    leaseExpiresAt: null,
    workerId: null,
    lastAckId: null,
    rev: { $add: [{ $ifNull: ['$rev', 0] }, 1] },
  }

  const failedExpiresAt = retentionDeadline(now, context.options.retention.failedMs)
  const failed = await context.collection.updateMany(
    { ...expired, $expr: { $gte: ['$attempts', '$maxAttempts'] } },
    [
      {
        $set: {
          ...ended,
          lastError: { $mergeObjects: [error, { fatal: true }] },
          errors: {
            $slice: [
              {
                $concatArrays: [{ $ifNull: ['$errors', []] }, [{ $mergeObjects: [error, { fatal: true }] }]],
              },
              -context.options.maxErrorHistory,
            ],
          },
          state: 'failed',
          finishedAt: now,
          ...(failedExpiresAt ? { expiresAt: failedExpiresAt } : {}),
        },
      },
      { $unset: 'dedupe' },
    ],
    { comment: commandComment('recoverExpiredLeases') },
  )
  // 'pending'-scope jobs about to go back to pending take their key's queued slot back afterwards,
  // when free; the pipeline below cannot (a refusal would abort the whole updateMany).
  const keyed = await context.collection
    .find(
      {
        ...expired,
        dedupeScope: 'pending',
        dedupeKey: { $type: 'string' },
        $expr: { $lt: ['$attempts', '$maxAttempts'] },
      },
      { projection: { _id: 1, dedupeKey: 1 }, comment: commandComment('recoverExpiredLeases') },
    )
    .toArray()
  const recovered = await context.collection.updateMany(
    { ...expired, $expr: { $lt: ['$attempts', '$maxAttempts'] } },
    [
      {
        $set: {
          ...ended,
          state: 'pending',
          runAt: now,
          // A 'pending'-scope job frees its key's running slot; 'pending+active' keeps both slots.
          dedupe: {
            $cond: [
              { $eq: ['$dedupeScope', 'pending'] },
              { pendingKey: null, activeKey: null },
              { $ifNull: ['$dedupe', {}] },
            ],
          },
        },
      },
    ],
    { comment: commandComment('recoverExpiredLeases') },
  )
  await reclaimQueuedSlots(
    context,
    keyed.map((document) => ({ _id: document._id, dedupeKey: document.dedupeKey as string })),
  )
  return { recovered: recovered.modifiedCount, failed: failed.modifiedCount }
}
