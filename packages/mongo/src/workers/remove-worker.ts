import { commandComment } from '../command-comment.js'
import { assertNonEmptyString } from '../validate.js'
import type { WorkerContext } from './worker-document.js'

/** Deletes the worker's document: one `delete`. True when it existed. */
export async function removeWorker(context: WorkerContext, params: { workerId: string }): Promise<boolean> {
  assertNonEmptyString(params?.workerId, 'removeWorker.workerId')
  const result = await context.workers.deleteOne(
    { _id: params.workerId },
    { comment: commandComment('removeWorker') },
  )
  return result.deletedCount === 1
}
