import { randomUUID } from 'node:crypto'
import type { AckResult } from '@durabl/core'
import type { AnyBulkWriteOperation, ObjectId } from 'mongodb'
import { commandComment } from '../command-comment.js'
import type { JobDocument } from '../job-document.js'
import type { OperationContext } from '../operation-context.js'
import { runBulkWrite } from './run-bulk-write.js'
import { isOversizedStatement, tooLargeFailure } from './too-large-failure.js'

/** One lease-ending write; its alternatives are mutually exclusive, so at most one matches. */
export interface EndingWrite {
  id: string
  ref: { _id: ObjectId; leaseToken: string }
  /** Written to `lastAckId` by whichever alternative applies. */
  ackId: string
  operations: AnyBulkWriteOperation<JobDocument>[]
  /**
   * Written instead when a unique dedupe index refused one of `operations` (a retry that tried to
   * take back its key's queued slot): the same transition without the slot.
   */
  onDuplicate?: AnyBulkWriteOperation<JobDocument>[]
  /**
   * True for writes that would return the job to pending (a retry, a release): their filters match
   * only `cancelRequestedAt: null`, and a miss on a lease still held with a cancel request is
   * reported in `cancelRequested`, not `lost`.
   */
  refusedOnCancelRequest?: boolean
}

/** What became of a batch of lease-ending writes. */
export interface EndingResult extends AckResult {
  /**
   * Refused because the job's document would grow past 16 MiB: each of these jobs was failed for
   * good instead, with a `DOCUMENT_TOO_LARGE` error (see too-large-failure.ts).
   */
  tooLarge: string[]
  /** Refused because the job's cancel was requested; nothing written, the lease is still held. */
  cancelRequested: string[]
}

/** The filter part of a write that must not return a job with a cancel request to pending. */
export const NO_CANCEL_REQUEST = { cancelRequestedAt: null } as const

/** A fresh id for one acknowledgement write. */
export function newAckId(): string {
  return randomUUID()
}

/**
 * Runs lease-ending writes (complete, fail, release, cancel) in one unordered bulkWrite and splits
 * the ids into applied, lost and cancel-requested. Each job matches at most one of its
 * alternatives, so a matched count equal to the number of jobs means all applied (the common case:
 * one round trip). Otherwise one read of `lastAckId` (and of the lease, for writes a cancel request
 * refuses) tells which writes were applied.
 *
 * A write that would grow its job past 16 MiB (refused by the driver before sending, or by the
 * server for that statement alone) never fails the batch: that job alone is failed with a clear
 * error and reported in `tooLarge`; the others are acknowledged as usual.
 */
export async function applyEndingWrites(
  context: OperationContext,
  writes: EndingWrite[],
  options: { comment: string; now: Date },
): Promise<EndingResult & { appliedWrites: Set<EndingWrite> }> {
  const { comment, now } = options
  if (writes.length === 0)
    return { applied: [], lost: [], tooLarge: [], cancelRequested: [], appliedWrites: new Set() }
  const oversized = new Map<EndingWrite, string>()
  for (const write of writes) {
    if (write.operations.some(isOversizedStatement))
      oversized.set(write, 'the update itself is 16 MiB or more')
  }
  const sent = writes.filter((write) => !oversized.has(write))
  const owners = sent.flatMap((write) => write.operations.map(() => write))
  const outcome = await runBulkWrite(
    context.collection,
    sent.flatMap((write) => write.operations),
    { comment },
  )
  if (outcome.duplicates.size > 0) {
    const refused = [...new Set([...outcome.duplicates].map((index) => owners[index]))]
    const fallbacks = refused.flatMap((write) => write?.onDuplicate ?? [])
    if (fallbacks.length < refused.length) {
      throw new Error('a lease-ending write was refused by a unique dedupe index and has no fallback')
    }
    outcome.matchedCount += (await runBulkWrite(context.collection, fallbacks, { comment })).matchedCount
  }
  for (const [index, reason] of outcome.tooLarge) {
    const owner = owners[index]
    if (owner !== undefined) oversized.set(owner, reason)
  }
  const tooLargeAckIds = new Map<EndingWrite, string>()
  if (oversized.size > 0) {
    const failures = [...oversized].map(([write, reason]) => {
      const ackId = newAckId()
      tooLargeAckIds.set(write, ackId)
      return tooLargeFailure(context, write.ref, ackId, now, reason)
    })
    await runBulkWrite(context.collection, failures, { comment })
  }
  if (oversized.size === 0 && outcome.matchedCount === writes.length)
    return {
      applied: writes.map((write) => write.id),
      lost: [],
      tooLarge: [],
      cancelRequested: [],
      appliedWrites: new Set(writes),
    }
  const refusable = writes.some((write) => write.refusedOnCancelRequest)
  const documents =
    outcome.matchedCount === 0 && oversized.size === 0 && !refusable
      ? []
      : await context.collection
          .find(
            { _id: { $in: writes.map((write) => write.ref._id) } },
            {
              projection: { _id: 1, lastAckId: 1, state: 1, leaseToken: 1, cancelRequestedAt: 1 },
              comment: commandComment('ackConfirm'),
            },
          )
          .toArray()
  const ackIds = new Set(documents.map((document) => document.lastAckId))
  // Leases still held with a cancel request, as `${id} ${leaseToken}`.
  const heldWithRequest = new Set(
    documents
      .filter((document) => document.state === 'active' && document.cancelRequestedAt != null)
      .map((document) => `${document._id.toHexString()} ${document.leaseToken}`),
  )
  const result = {
    applied: [] as string[],
    lost: [] as string[],
    tooLarge: [] as string[],
    cancelRequested: [] as string[],
    appliedWrites: new Set<EndingWrite>(),
  }
  for (const write of writes) {
    if (ackIds.has(write.ackId)) {
      result.applied.push(write.id)
      result.appliedWrites.add(write)
    } else if (tooLargeAckIds.has(write) && ackIds.has(tooLargeAckIds.get(write))) {
      result.tooLarge.push(write.id)
    } else if (
      write.refusedOnCancelRequest &&
      heldWithRequest.has(`${write.ref._id.toHexString()} ${write.ref.leaseToken}`)
    ) {
      result.cancelRequested.push(write.id)
    } else result.lost.push(write.id)
  }
  return result
}
