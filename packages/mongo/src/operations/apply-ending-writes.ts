import { randomUUID } from 'node:crypto'
import type { AckResult } from '@durabl/core'
import type { AnyBulkWriteOperation, ObjectId } from 'mongodb'
import { commandComment } from '../command-comment.js'
import type { JobDocument } from '../job-document.js'
import type { OperationContext } from '../operation-context.js'
import { runBulkWrite } from './run-bulk-write.js'

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
}

/** A fresh id for one acknowledgement write. */
export function newAckId(): string {
  return randomUUID()
}

/**
 * Runs lease-ending writes (complete, fail, release) in one unordered bulkWrite and splits the ids
 * into applied and lost. Each job matches at most one of its alternatives, so a matched count
 * equal to the number of jobs means all applied (the common case: one round trip). Otherwise one
 * read of `lastAckId` tells which writes were applied.
 */
export async function applyEndingWrites(
  context: OperationContext,
  writes: EndingWrite[],
  comment: string,
): Promise<AckResult & { appliedWrites: Set<EndingWrite> }> {
  if (writes.length === 0) return { applied: [], lost: [], appliedWrites: new Set() }
  const owners = writes.flatMap((write) => write.operations.map(() => write))
  const outcome = await runBulkWrite(
    context.collection,
    writes.flatMap((write) => write.operations),
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
  if (outcome.matchedCount === writes.length)
    return { applied: writes.map((write) => write.id), lost: [], appliedWrites: new Set(writes) }
  const documents =
    outcome.matchedCount === 0
      ? []
      : await context.collection
          .find(
            { _id: { $in: writes.map((write) => write.ref._id) } },
            { projection: { _id: 1, lastAckId: 1 }, comment: commandComment('ackConfirm') },
          )
          .toArray()
  const ackIds = new Set(documents.map((document) => document.lastAckId))
  const result = { applied: [] as string[], lost: [] as string[], appliedWrites: new Set<EndingWrite>() }
  for (const write of writes) {
    if (ackIds.has(write.ackId)) {
      result.applied.push(write.id)
      result.appliedWrites.add(write)
    } else result.lost.push(write.id)
  }
  return result
}
