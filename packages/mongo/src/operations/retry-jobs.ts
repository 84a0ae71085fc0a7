import type { SelectJobsParams } from '@durabl/core'
import type { AnyBulkWriteOperation, Document } from 'mongodb'
import { commandComment } from '../command-comment.js'
import { dedupeSlotsFor, type JobDocument } from '../job-document.js'
import { newLeaseToken } from '../lease-token.js'
import type { OperationContext } from '../operation-context.js'
import { assertDate } from '../validate.js'
import { ADMIN_CHUNK_SIZE, idsMarkedBy } from './cancel-jobs.js'
import { restrictStates, toSelection } from './job-filter.js'
import { runBulkWrite } from './run-bulk-write.js'

/**
 * Runs finished jobs again: pending, due at `now`, attempts back to 0, errors and logs kept, TTL
 * deadline removed. Each job takes its dedupe slots back, so each is its own guarded updateOne
 * (one bulkWrite per chunk): a job whose key is now held by another job is refused by the unique
 * index and left as it is, without failing the others.
 */
export async function retryJobs(context: OperationContext, params: SelectJobsParams): Promise<string[]> {
  assertDate(params.now, 'now')
  const now = params.now
  const query = restrictStates(toSelection(params), ['completed', 'failed', 'cancelled'])
  const documents = await context.collection
    .find(query, {
      projection: { _id: 1, state: 1, rev: 1, dedupeKey: 1, dedupeScope: 1 },
      comment: commandComment('retryJobs'),
    })
    .toArray()
  const changed: string[] = []
  for (let start = 0; start < documents.length; start += ADMIN_CHUNK_SIZE) {
    const chunk = documents.slice(start, start + ADMIN_CHUNK_SIZE)
    const adminToken = newLeaseToken()
    const operations: AnyBulkWriteOperation<JobDocument>[] = chunk.map((document) => {
      const set: Document = {
        state: 'pending',
        runAt: now,
        attempts: 0,
        result: null,
        finishedAt: null,
        updatedAt: now,
        leaseToken: null,
        leaseExpiresAt: null,
        workerId: null,
        cancelRequestedAt: null,
        adminToken,
      }
      const slots = dedupeSlotsFor(document.dedupeKey ?? null, document.dedupeScope ?? null, 'pending')
      if (slots) set.dedupe = slots
      return {
        updateOne: {
          filter: { _id: document._id, state: document.state, rev: document.rev },
          update: { $set: set, $unset: { expiresAt: '' }, $inc: { rev: 1 } },
        },
      }
    })
    const outcome = await runBulkWrite(context.collection, operations, {
      comment: commandComment('retryJobs'),
    })
    const attempted = chunk.filter((_, index) => !outcome.duplicates.has(index))
    changed.push(
      ...(await idsMarkedBy(
        context,
        attempted.map((document) => document._id),
        adminToken,
        outcome.modifiedCount,
        commandComment('retryJobs'),
      )),
    )
  }
  return changed
}
