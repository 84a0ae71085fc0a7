import type { AnyBulkWriteOperation, ObjectId } from 'mongodb'
import { commandComment } from '../command-comment.js'
import type { JobDocument } from '../job-document.js'
import type { OperationContext } from '../operation-context.js'
import { runBulkWrite } from './run-bulk-write.js'

/**
 * After `'pending'`-scope jobs went back to pending (a retry, a release, a lease recovery), gives
 * each its key's queued slot again when the slot is free, so a later enqueue with the key is refused
 * as the contract's pairwise rule says. When a job was queued behind the running one meanwhile, the
 * unique index refuses the write and the returning job stays slotless: both are pending for a while
 * (never lost), and the running slot still lets only one of them run at a time.
 * One unordered bulkWrite; refusals are expected and ignored.
 */
export async function reclaimQueuedSlots(
  context: OperationContext,
  jobs: Array<{ _id: ObjectId; dedupeKey: string }>,
): Promise<void> {
  if (jobs.length === 0) return
  const operations: AnyBulkWriteOperation<JobDocument>[] = jobs.map((job) => ({
    updateOne: {
      filter: { _id: job._id, state: 'pending', dedupeScope: 'pending', dedupeKey: job.dedupeKey },
      update: { $set: { 'dedupe.pendingKey': job.dedupeKey }, $inc: { rev: 1 } },
    },
  }))
  await runBulkWrite(context.collection, operations, { comment: commandComment('recoverExpiredLeases') })
}
