import type { ObjectId } from 'mongodb'
import { commandComment } from '../command-comment.js'
import type { OperationContext } from '../operation-context.js'

/**
 * After heartbeats whose matched count fell short: the lease token each job holds now (null when
 * not active). One read, only when needed.
 */
export async function findHeldLeases(
  context: OperationContext,
  ids: ObjectId[],
): Promise<Map<string, string | null>> {
  const documents = await context.collection
    .find(
      { _id: { $in: ids } },
      { projection: { _id: 1, state: 1, leaseToken: 1 }, comment: commandComment('heartbeatJobs') },
    )
    .toArray()
  return new Map(
    documents.map((document) => [
      document._id.toHexString(),
      document.state === 'active' ? document.leaseToken : null,
    ]),
  )
}
