import type { ListWorkersParams, WorkerInfo } from '@durabl/core'
import { commandComment } from '../command-comment.js'
import { assertDate } from '../validate.js'
import { toWorkerInfo, type WorkerContext } from './worker-document.js'

/**
 * The workers not expired at `now`, by worker id: one `find`. The TTL index deletes expired
 * documents only when its monitor next runs, so the filter decides what is listed.
 */
export async function listWorkers(context: WorkerContext, params: ListWorkersParams): Promise<WorkerInfo[]> {
  assertDate(params?.now, 'listWorkers.now')
  const documents = await context.workers
    .find({ expiresAt: { $gte: params.now } }, { sort: { _id: 1 }, comment: commandComment('listWorkers') })
    .toArray()
  return documents.map(toWorkerInfo)
}
