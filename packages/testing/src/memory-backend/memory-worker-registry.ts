import {
  type ListWorkersParams,
  type RegisterWorkerParams,
  ValidationError,
  type WorkerInfo,
  type WorkerRegistry,
} from '@durabl/core'
import {
  assertArray,
  assertNonEmptyString,
  assertNonNegativeInteger,
  assertPositiveInteger,
  assertValidDate,
} from './validate-params.js'

interface WorkerEntry {
  worker: WorkerInfo
  expiresAtMs: number
}

/**
 * A MemoryBackend's worker registry: one entry per worker id. An entry whose `expiresAt` has
 * passed is dropped when the registry is read (MongoDB's TTL index does the same in the background),
 * so a queue that stopped registering disappears without anyone deleting it.
 */
export class MemoryWorkerRegistry implements WorkerRegistry {
  private readonly entries = new Map<string, WorkerEntry>()

  async registerWorker(params: RegisterWorkerParams): Promise<void> {
    assertValidDate('registerWorker.now', params.now)
    assertValidDate('registerWorker.expiresAt', params.expiresAt)
    assertValidWorker('registerWorker.worker', params.worker)
    const worker: WorkerInfo = { ...structuredClone(params.worker), lastSeenAt: new Date(params.now) }
    this.entries.set(worker.workerId, { worker, expiresAtMs: params.expiresAt.getTime() })
  }

  async listWorkers(params: ListWorkersParams): Promise<WorkerInfo[]> {
    assertValidDate('listWorkers.now', params.now)
    const nowMs = params.now.getTime()
    for (const [workerId, entry] of this.entries) {
      if (entry.expiresAtMs < nowMs) this.entries.delete(workerId)
    }
    return [...this.entries.values()]
      .map((entry) => structuredClone(entry.worker))
      .sort((first, second) => (first.workerId < second.workerId ? -1 : 1))
  }

  async removeWorker(params: { workerId: string }): Promise<boolean> {
    assertNonEmptyString('removeWorker.workerId', params.workerId)
    return this.entries.delete(params.workerId)
  }
}

function assertValidWorker(field: string, worker: RegisterWorkerParams['worker']): void {
  if (typeof worker !== 'object' || worker === null)
    throw new ValidationError(field, 'must be an object', worker)
  assertNonEmptyString(`${field}.workerId`, worker.workerId)
  if (typeof worker.host !== 'string')
    throw new ValidationError(`${field}.host`, 'must be a string', worker.host)
  assertNonNegativeInteger(`${field}.pid`, worker.pid)
  assertArray(`${field}.types`, worker.types)
  for (const [index, entry] of worker.types.entries()) {
    assertNonEmptyString(`${field}.types[${index}].type`, entry?.type)
    assertPositiveInteger(`${field}.types[${index}].concurrency`, entry?.concurrency)
  }
  assertPositiveInteger(`${field}.instanceConcurrency`, worker.instanceConcurrency)
  if (typeof worker.version !== 'string')
    throw new ValidationError(`${field}.version`, 'must be a string', worker.version)
  if (typeof worker.runsSchedules !== 'boolean')
    throw new ValidationError(`${field}.runsSchedules`, 'must be a boolean', worker.runsSchedules)
  assertValidDate(`${field}.startedAt`, worker.startedAt)
}
