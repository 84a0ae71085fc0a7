import { type RegisterWorkerParams, ValidationError } from '@durabl/core'
import { commandComment } from '../command-comment.js'
import { assertDate, assertNonEmptyString, assertNonNegativeInteger, assertString } from '../validate.js'
import type { WorkerContext, WorkerDocument } from './worker-document.js'

/** Creates or replaces the worker's document: one `update` (a replacement with upsert). */
export async function registerWorker(context: WorkerContext, params: RegisterWorkerParams): Promise<void> {
  const document = workerDocument(params)
  await context.workers.replaceOne({ _id: document._id }, document, {
    upsert: true,
    comment: commandComment('registerWorker'),
  })
}

/** The document to store, every field checked (nothing from the caller reaches it unchecked). */
function workerDocument(params: RegisterWorkerParams): WorkerDocument {
  if (typeof params !== 'object' || params === null) {
    throw new ValidationError('registerWorker', 'must be an object', params)
  }
  const { worker, expiresAt, now } = params
  assertDate(now, 'registerWorker.now')
  assertDate(expiresAt, 'registerWorker.expiresAt')
  if (typeof worker !== 'object' || worker === null) {
    throw new ValidationError('registerWorker.worker', 'must be an object', worker)
  }
  assertNonEmptyString(worker.workerId, 'registerWorker.worker.workerId')
  assertString(worker.host, 'registerWorker.worker.host')
  assertNonNegativeInteger(worker.pid, 'registerWorker.worker.pid')
  if (!Array.isArray(worker.types)) {
    throw new ValidationError('registerWorker.worker.types', 'must be an array', worker.types)
  }
  const types = worker.types.map((entry, index) => {
    const field = `registerWorker.worker.types[${index}]`
    assertNonEmptyString(entry?.type, `${field}.type`)
    assertNonNegativeInteger(entry.concurrency, `${field}.concurrency`)
    return { type: entry.type, concurrency: entry.concurrency }
  })
  assertNonNegativeInteger(worker.instanceConcurrency, 'registerWorker.worker.instanceConcurrency')
  assertString(worker.version, 'registerWorker.worker.version')
  if (typeof worker.runsSchedules !== 'boolean') {
    throw new ValidationError(
      'registerWorker.worker.runsSchedules',
      'must be a boolean',
      worker.runsSchedules,
    )
  }
  assertDate(worker.startedAt, 'registerWorker.worker.startedAt')
  return {
    _id: worker.workerId,
    host: worker.host,
    pid: worker.pid,
    types,
    instanceConcurrency: worker.instanceConcurrency,
    version: worker.version,
    runsSchedules: worker.runsSchedules,
    startedAt: worker.startedAt,
    lastSeenAt: now,
    expiresAt,
  }
}
