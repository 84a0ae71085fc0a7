import { hostname } from 'node:os'
import { describe, expect, it, vi } from 'vitest'
import type { WorkerRegistry } from '../backend.js'
import { NotSupportedError } from '../errors/not-supported-error.js'
import { DURABL_VERSION } from '../version.js'
import { TypedEventEmitter } from './event-emitter.js'
import { JobQueue } from './job-queue.js'
import { flushTurns, ManualClock } from './test-support/manual-clock.js'
import { createStubBackend } from './test-support/stub-backend.js'
import { WORKER_EXPIRY_INTERVALS, WorkerRegistration } from './worker-registration.js'

const INTERVAL_MS = 1_000

function createRegistry() {
  return {
    registerWorker: vi.fn<WorkerRegistry['registerWorker']>(async () => {}),
    listWorkers: vi.fn<WorkerRegistry['listWorkers']>(async () => []),
    removeWorker: vi.fn<WorkerRegistry['removeWorker']>(async () => true),
  } satisfies WorkerRegistry
}

function createRegistration(types: Array<{ type: string; concurrency: number }> = []) {
  const registry = createRegistry()
  const clock = new ManualClock()
  const events = new TypedEventEmitter()
  const errors: string[] = []
  events.on('queue:error', ({ operation }) => errors.push(operation))
  const registration = new WorkerRegistration({
    registry,
    clock,
    events,
    workerId: 'host:1:abcd',
    intervalMs: INTERVAL_MS,
    instanceConcurrency: 8,
    types: () => [...types],
    runsSchedules: () => true,
  })
  return { registry, clock, registration, types, errors }
}

describe('WorkerRegistration', () => {
  it('writes once at start, then exactly once per interval while idle', async () => {
    const { registry, clock, registration } = createRegistration([
      { type: 'b', concurrency: 2 },
      { type: 'a', concurrency: 5 },
    ])
    const startedAt = clock.now()
    await registration.start()
    expect(registry.registerWorker).toHaveBeenCalledTimes(1)
    expect(registry.registerWorker.mock.calls[0]?.[0]).toEqual({
      worker: {
        workerId: 'host:1:abcd',
        host: hostname(),
        pid: process.pid,
        types: [
          { type: 'a', concurrency: 5 },
          { type: 'b', concurrency: 2 },
        ],
        instanceConcurrency: 8,
        version: DURABL_VERSION,
        runsSchedules: true,
        startedAt,
      },
      expiresAt: new Date(startedAt.getTime() + WORKER_EXPIRY_INTERVALS * INTERVAL_MS),
      now: startedAt,
    })
    await clock.advance(10 * INTERVAL_MS)
    expect(registry.registerWorker).toHaveBeenCalledTimes(11)
    const last = registry.registerWorker.mock.calls[10]?.[0]
    expect(last?.now).toEqual(new Date(startedAt.getTime() + 10 * INTERVAL_MS))
    expect(last?.worker.startedAt).toEqual(startedAt)
    await registration.stop()
  })

  it('refreshes made together share one write, which re-arms the interval', async () => {
    const { registry, clock, registration, types } = createRegistration()
    await registration.start()
    await clock.advance(INTERVAL_MS / 2)
    types.push({ type: 'late', concurrency: 1 })
    registration.refresh()
    registration.refresh()
    registration.refresh()
    await flushTurns()
    expect(registry.registerWorker).toHaveBeenCalledTimes(2)
    expect(registry.registerWorker.mock.calls[1]?.[0].worker.types).toEqual([
      { type: 'late', concurrency: 1 },
    ])
    await clock.advance(INTERVAL_MS - 1)
    expect(registry.registerWorker).toHaveBeenCalledTimes(2)
    await clock.advance(1)
    expect(registry.registerWorker).toHaveBeenCalledTimes(3)
    await registration.stop()
  })

  it('reports a failed write as queue:error and tries again at the next interval', async () => {
    const { registry, clock, registration, errors } = createRegistration()
    registry.registerWorker.mockRejectedValueOnce(new Error('database down'))
    await registration.start()
    expect(errors).toEqual(['workers.register'])
    await clock.advance(INTERVAL_MS)
    expect(registry.registerWorker).toHaveBeenCalledTimes(2)
    expect(errors).toEqual(['workers.register'])
    await registration.stop()
  })

  it('stop waits for a write in flight, deletes the entry once and writes no more', async () => {
    const { registry, clock, registration, errors } = createRegistration()
    await registration.start()
    let finish = () => {}
    registry.registerWorker.mockImplementationOnce(() => new Promise<void>((resolve) => (finish = resolve)))
    await clock.advance(INTERVAL_MS)
    const stopped = registration.stop()
    await flushTurns()
    expect(registry.removeWorker).not.toHaveBeenCalled()
    finish()
    await stopped
    expect(registry.removeWorker).toHaveBeenCalledTimes(1)
    expect(registry.removeWorker).toHaveBeenCalledWith({ workerId: 'host:1:abcd' })
    await registration.stop()
    registration.refresh()
    await clock.advance(10 * INTERVAL_MS)
    expect(registry.registerWorker).toHaveBeenCalledTimes(2)
    expect(registry.removeWorker).toHaveBeenCalledTimes(1)
    expect(clock.pendingTimerCount).toBe(0)
    expect(errors).toEqual([])
  })
})

describe('JobQueue and the worker registry', () => {
  function backendWithRegistry() {
    const workers = createRegistry()
    const backend = Object.assign(createStubBackend({ workers: true }), { workers })
    return { backend, workers }
  }

  it('registers at startup, again when a processor is added, and removes the entry at shutdown', async () => {
    const { backend, workers } = backendWithRegistry()
    const clock = new ManualClock()
    const queue = new JobQueue(backend, { clock, workerId: 'w-1', workerRegistryIntervalMs: INTERVAL_MS })
    queue.process('early', async () => {}, { concurrency: 3 })
    await queue.startup()
    expect(workers.registerWorker).toHaveBeenCalledTimes(1)
    expect(workers.registerWorker.mock.calls[0]?.[0].worker).toMatchObject({
      workerId: 'w-1',
      types: [{ type: 'early', concurrency: 3 }],
      runsSchedules: false,
    })
    queue.process('late', async () => {})
    await flushTurns()
    expect(workers.registerWorker).toHaveBeenCalledTimes(2)
    expect(workers.registerWorker.mock.calls[1]?.[0].worker.types.map(({ type }) => type)).toEqual([
      'early',
      'late',
    ])
    await queue.shutdown()
    expect(workers.removeWorker).toHaveBeenCalledWith({ workerId: 'w-1' })
    expect(backend.shutdown).toHaveBeenCalledTimes(1)
  })

  it('registers nothing with workerRegistryIntervalMs: false, and listWorkers still reads', async () => {
    const { backend, workers } = backendWithRegistry()
    const clock = new ManualClock()
    const queue = new JobQueue(backend, { clock, workerRegistryIntervalMs: false })
    await queue.startup()
    await clock.advance(100 * INTERVAL_MS)
    expect(await queue.listWorkers()).toEqual([])
    expect(workers.listWorkers).toHaveBeenCalledWith({ now: clock.now() })
    await queue.shutdown()
    expect(workers.registerWorker).not.toHaveBeenCalled()
    expect(workers.removeWorker).not.toHaveBeenCalled()
  })

  it('listWorkers rejects with NotSupportedError when the backend has no registry', async () => {
    const queue = new JobQueue(createStubBackend())
    await expect(queue.listWorkers()).rejects.toSatisfy(NotSupportedError.isInstance)
    await expect(queue.listWorkers()).rejects.toThrow('the stub backend has no worker registry')
  })

  it('a shutdown whose removal does not answer gives up at the deadline and reports it', async () => {
    const { backend, workers } = backendWithRegistry()
    workers.removeWorker.mockImplementation(() => new Promise(() => {}))
    const clock = new ManualClock()
    const queue = new JobQueue(backend, { clock, workerRegistryIntervalMs: INTERVAL_MS })
    await queue.startup()
    const report = queue.shutdown(2_000)
    await clock.advance(2_000)
    expect(await report).toMatchObject({ timedOut: true, abandonedOperations: ['workers'] })
  })
})
