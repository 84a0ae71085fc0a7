import { type RecoverExpiredLeasesParams, type RecoverResult, ValidationError } from '@durabl/core'
import type { Document } from 'mongodb'
import { commandComment } from '../command-comment.js'
import type { OperationContext } from '../operation-context.js'
import { cappedError } from '../size-caps.js'
import { assertDate } from '../validate.js'
import { NO_CANCEL_REQUEST } from './apply-ending-writes.js'
import { leaseExpiryQuery } from './lease-expiry-query.js'
import { LIMIT_SLOTS_FIELD } from './limit-slots.js'
import { reclaimQueuedSlots } from './reclaim-queued-slots.js'
import { retentionDeadline } from './retention.js'

/**
 * Returns expired leases in pipeline `updateMany`s over the `durabl_lease_expiry` index: one for
 * jobs whose cancel was requested (→ `cancelled`), one for jobs on their last attempt
 * (→ `failed`), one for the rest (→ `pending`, due at `now`). Several, because one `updateMany`
 * reports a single modified count and the caller wants each; the split is in each filter, so a
 * lease that expires (or a cancel requested) between the writes still lands on the right side or
 * waits for the next pass, never in `pending` with a cancel request. A pipeline, because the
 * recorded error carries each job's own attempt.
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
  if (anyExpired === null) return { recovered: 0, failed: 0, cancelled: 0 }
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

  // The worker died (or stalled) for good: the error is final whatever attempts remain.
  const endedForGood = (state: 'failed' | 'cancelled', expiresAt: Date | null): Document[] => [
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
        state,
        finishedAt: now,
        ...(expiresAt ? { expiresAt } : {}),
      },
    },
    { $unset: ['dedupe', LIMIT_SLOTS_FIELD] },
  ]
  const cancelled = await context.collection.updateMany(
    { ...expired, cancelRequestedAt: { $ne: null } },
    endedForGood('cancelled', retentionDeadline(now, context.options.retention.cancelledMs)),
    { comment: commandComment('recoverExpiredLeases') },
  )
  const failed = await context.collection.updateMany(
    { ...expired, ...NO_CANCEL_REQUEST, $expr: { $gte: ['$attempts', '$maxAttempts'] } },
    endedForGood('failed', retentionDeadline(now, context.options.retention.failedMs)),
    { comment: commandComment('recoverExpiredLeases') },
  )
  // 'pending'-scope jobs about to go back to pending take their key's queued slot back afterwards,
  // when free; the pipeline below cannot (a refusal would abort the whole updateMany).
  const keyed = await context.collection
    .find(
      {
        ...expired,
        ...NO_CANCEL_REQUEST,
        dedupeScope: 'pending',
        dedupeKey: { $type: 'string' },
        $expr: { $lt: ['$attempts', '$maxAttempts'] },
      },
      { projection: { _id: 1, dedupeKey: 1 }, comment: commandComment('recoverExpiredLeases') },
    )
    .toArray()
  const recovered = await context.collection.updateMany(
    { ...expired, ...NO_CANCEL_REQUEST, $expr: { $lt: ['$attempts', '$maxAttempts'] } },
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
      // The limit slots free with the lease: a crashed worker's slots come back here.
      { $unset: LIMIT_SLOTS_FIELD },
    ],
    { comment: commandComment('recoverExpiredLeases') },
  )
  await reclaimQueuedSlots(
    context,
    keyed.map((document) => ({ _id: document._id, dedupeKey: document.dedupeKey as string })),
  )
  return {
    recovered: recovered.modifiedCount,
    failed: failed.modifiedCount,
    cancelled: cancelled.modifiedCount,
  }
}
