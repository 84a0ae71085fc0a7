import type { WorkerInfo } from '@durabl/core'
import type { Collection } from 'mongodb'

/**
 * One registered queue in the workers collection (`workersCollectionName`): `_id` is its worker
 * id, so registering again replaces the one document. `expiresAt` carries the TTL index: mongod
 * deletes the document once that time has passed (see {@link WORKERS_TTL_INDEX_NAME}).
 */
export interface WorkerDocument {
  _id: string
  host: string
  pid: number
  types: Array<{ type: string; concurrency: number }>
  instanceConcurrency: number
  version: string
  runsSchedules: boolean
  startedAt: Date
  lastSeenAt: Date
  expiresAt: Date
}

/** The TTL index of the workers collection. */
export const WORKERS_TTL_INDEX_NAME = 'durabl_workers_ttl'

/** What the worker registry's operations receive. */
export interface WorkerContext {
  workers: Collection<WorkerDocument>
}

export function toWorkerInfo(document: WorkerDocument): WorkerInfo {
  return {
    workerId: document._id,
    host: document.host,
    pid: document.pid,
    types: document.types.map(({ type, concurrency }) => ({ type, concurrency })),
    instanceConcurrency: document.instanceConcurrency,
    version: document.version,
    runsSchedules: document.runsSchedules,
    startedAt: document.startedAt,
    lastSeenAt: document.lastSeenAt,
  }
}
