import type { ObjectId } from 'mongodb'
import { commandComment } from '../command-comment.js'
import type { OperationContext } from '../operation-context.js'

/** An active job's lease as stored now. */
export interface HeldLease {
  leaseToken: string | null
  /** A cancel was requested: lease-guarded writes that would extend or restart the job are refused. */
  cancelRequested: boolean
}

/**
 * After lease-guarded writes whose matched count fell short: the lease each active job holds now,
 * by id (jobs that are not active, or gone, are absent). One read, only when needed.
 */
export async function findHeldLeases(
  context: OperationContext,
  ids: ObjectId[],
  comment = commandComment('heartbeatJobs'),
): Promise<Map<string, HeldLease>> {
  const documents = await context.collection
    .find(
      { _id: { $in: ids } },
      { projection: { _id: 1, state: 1, leaseToken: 1, cancelRequestedAt: 1 }, comment },
    )
    .toArray()
  return new Map(
    documents
      .filter((document) => document.state === 'active')
      .map((document) => [
        document._id.toHexString(),
        { leaseToken: document.leaseToken, cancelRequested: document.cancelRequestedAt != null },
      ]),
  )
}
