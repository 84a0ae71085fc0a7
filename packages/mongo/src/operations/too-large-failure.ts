import type { AnyBulkWriteOperation, Document, ObjectId } from 'mongodb'
import { BSON } from 'mongodb'
import type { JobDocument } from '../job-document.js'
import type { OperationContext } from '../operation-context.js'
import { MONGO_MAX_BSON_BYTES } from '../options.js'
import { truncateUtf8 } from '../size-caps.js'
import { LIMIT_SLOTS_FIELD } from './limit-slots.js'
import { retentionDeadline } from './retention.js'

/** The code of the error recorded on a job whose write would have grown it past 16 MiB. */
export const DOCUMENT_TOO_LARGE_ERROR_CODE = 'DOCUMENT_TOO_LARGE'

/**
 * True when the driver would refuse this write before sending it: it refuses any statement of
 * 16 MiB or more (its `maxBsonObjectSize` check), and would fail the whole bulk with it.
 */
export function isOversizedStatement(operation: AnyBulkWriteOperation<JobDocument>): boolean {
  if (!('updateOne' in operation)) return false
  const { filter, update } = operation.updateOne
  return BSON.calculateObjectSize({ q: filter, u: update } as Document) >= MONGO_MAX_BSON_BYTES
}

/**
 * Ends a job whose lease-ending write was refused for size (a result, progress or logs that
 * would grow the document past 16 MiB): failed for good, with an error saying so, and nothing
 * of the refused write. Guarded by the lease like the write it replaces; one pipeline update so
 * the error records the job's own attempt.
 */
export function tooLargeFailure(
  context: OperationContext,
  ref: { _id: ObjectId; leaseToken: string },
  ackId: string,
  now: Date,
  reason: string,
): AnyBulkWriteOperation<JobDocument> {
  const error = {
    $mergeObjects: [
      {
        $literal: {
          name: 'DocumentTooLargeError',
          message: truncateUtf8(
            `the job's document would grow past MongoDB's 16 MiB limit, so its result, progress and new log lines were not stored: ${reason}`,
            1024,
          ),
          code: DOCUMENT_TOO_LARGE_ERROR_CODE,
          stack: null,
          fatal: true,
          at: now,
        },
      },
      { attempt: '$attempts' },
    ],
  }
  const expiresAt = retentionDeadline(now, context.options.retention.failedMs)
  return {
    updateOne: {
      filter: { _id: ref._id, state: 'active', leaseToken: ref.leaseToken },
      update: [
        {
          $set: {
            state: 'failed',
            lastError: error,
            errors: {
              $slice: [
                { $concatArrays: [{ $ifNull: ['$errors', []] }, [error]] },
                -context.options.maxErrorHistory,
              ],
            },
            finishedAt: now,
            updatedAt: now,
            leaseToken: null,
            leaseExpiresAt: null,
            workerId: null,
            lastAckId: ackId,
            rev: { $add: [{ $ifNull: ['$rev', 0] }, 1] },
            ...(expiresAt ? { expiresAt } : {}),
          },
        },
        { $unset: ['dedupe', LIMIT_SLOTS_FIELD] },
      ],
    },
  }
}
