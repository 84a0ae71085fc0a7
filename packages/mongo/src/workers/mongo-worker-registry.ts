import type { ListWorkersParams, RegisterWorkerParams, WorkerInfo, WorkerRegistry } from '@durabl/core'
import { runOperation } from '../to-backend-error.js'
import { listWorkers } from './list-workers.js'
import { registerWorker } from './register-worker.js'
import { removeWorker } from './remove-worker.js'
import type { WorkerContext } from './worker-document.js'

/**
 * `MongoBackend.workers`: one document per started queue in its own collection
 * (`workersCollectionName`, `_id` = the worker id), deleted by a TTL index once it expires. One
 * operation per file in this folder; this class wires them to the contract and turns driver
 * errors into `BackendError`s.
 */
export class MongoWorkerRegistry implements WorkerRegistry {
  constructor(private readonly context: WorkerContext) {}

  registerWorker(params: RegisterWorkerParams): Promise<void> {
    return runOperation('registerWorker', () => registerWorker(this.context, params))
  }

  listWorkers(params: ListWorkersParams): Promise<WorkerInfo[]> {
    return runOperation('listWorkers', () => listWorkers(this.context, params))
  }

  removeWorker(params: { workerId: string }): Promise<boolean> {
    return runOperation('removeWorker', () => removeWorker(this.context, params))
  }
}
