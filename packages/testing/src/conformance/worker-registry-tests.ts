import { hostname } from 'node:os'
import {
  type Backend,
  type Clock,
  type ClockTimer,
  DURABL_VERSION,
  JobQueue,
  type RegisterWorkerParams,
  type WorkerRegistry,
} from '@durabl/core'
import { describe, expect, it, type TestContext } from 'vitest'
import { TestClock } from '../test-clock.js'
import type { ConformanceContext } from './conformance-context.js'
import { at, BASE_TIME_MS, JOB_TYPE, OTHER_TYPE, waitFor } from './fixtures.js'

const INTERVAL_MS = 1_000

/**
 * The worker registry (`capabilities.workers`): the store on its own, then JobQueues on a
 * TestClock registering, shutting down, and going silent. The runtime's writes are real backend
 * calls, so the queue tests wait (polling with a deadline) for them to land before moving on.
 */
export function describeWorkerRegistryTests(context: ConformanceContext): void {
  describe('worker registry', () => {
    it('lists a registered worker with lastSeenAt = now; registering again replaces it', async (test) => {
      const registry = registryOf(context.backend, test)
      await registry.registerWorker(registration('worker-b', 0))
      await registry.registerWorker(registration('worker-a', 0))
      expect(await registry.listWorkers({ now: at(0) })).toEqual([
        { ...worker('worker-a'), lastSeenAt: at(0) },
        { ...worker('worker-b'), lastSeenAt: at(0) },
      ])
      const types = [{ type: OTHER_TYPE, concurrency: 1 }]
      await registry.registerWorker({
        ...registration('worker-a', 500),
        worker: { ...worker('worker-a'), types },
      })
      const listed = await registry.listWorkers({ now: at(600) })
      expect(listed.map((entry) => entry.workerId)).toEqual(['worker-a', 'worker-b'])
      expect(listed[0]).toEqual({ ...worker('worker-a'), types, lastSeenAt: at(500) })
    })

    it('stops listing an entry once its expiresAt has passed', async (test) => {
      const registry = registryOf(context.backend, test)
      await registry.registerWorker(registration('worker-a', 0))
      await registry.registerWorker(registration('worker-b', INTERVAL_MS))
      const listedAt = async (offsetMs: number) =>
        (await registry.listWorkers({ now: at(offsetMs) })).map((entry) => entry.workerId)
      // worker-a expires at 3000, worker-b at 4000: listed up to and including that instant.
      expect(await listedAt(3 * INTERVAL_MS)).toEqual(['worker-a', 'worker-b'])
      expect(await listedAt(3 * INTERVAL_MS + 1)).toEqual(['worker-b'])
      expect(await listedAt(4 * INTERVAL_MS + 1)).toEqual([])
    })

    it('removeWorker deletes the entry and says whether it existed', async (test) => {
      const registry = registryOf(context.backend, test)
      await registry.registerWorker(registration('worker-a', 0))
      await registry.registerWorker(registration('worker-b', 0))
      expect(await registry.removeWorker({ workerId: 'worker-a' })).toBe(true)
      expect(await registry.removeWorker({ workerId: 'worker-a' })).toBe(false)
      const listed = await registry.listWorkers({ now: at(0) })
      expect(listed.map((entry) => entry.workerId)).toEqual(['worker-b'])
    })

    it('two started queues are listed; one shut down is gone at once', async (test) => {
      const { backend } = context
      registryOf(backend, test)
      const clock = new TestClock(new Date(BASE_TIME_MS))
      // Runs schedules when the backend stores them (the default).
      const first = new JobQueue(backend, {
        clock,
        workerId: 'worker-a',
        workerRegistryIntervalMs: INTERVAL_MS,
      })
      const second = new JobQueue(backend, {
        clock,
        workerId: 'worker-b',
        instanceConcurrency: 7,
        workerRegistryIntervalMs: INTERVAL_MS,
        schedules: { run: false },
      })
      first.process(JOB_TYPE, async () => {}, { concurrency: 2 })
      try {
        await Promise.all([first.startup(), second.startup()])
        expect(await first.listWorkers()).toEqual([
          {
            workerId: 'worker-a',
            host: hostname(),
            pid: process.pid,
            types: [{ type: JOB_TYPE, concurrency: 2 }],
            instanceConcurrency: 100,
            version: DURABL_VERSION,
            runsSchedules: backend.capabilities.schedules === true,
            startedAt: at(0),
            lastSeenAt: at(0),
          },
          expect.objectContaining({
            workerId: 'worker-b',
            types: [],
            instanceConcurrency: 7,
            runsSchedules: false,
          }),
        ])
        // A processor added after start is announced without waiting for the interval.
        second.process(OTHER_TYPE, async () => {}, { concurrency: 3 })
        await waitForWorkers(
          first,
          (workers) => workers[1]?.types[0]?.type === OTHER_TYPE,
          'worker-b with a type',
        )
        expect((await first.listWorkers())[1]?.types).toEqual([{ type: OTHER_TYPE, concurrency: 3 }])
        await second.shutdown()
        expect((await first.listWorkers()).map((entry) => entry.workerId)).toEqual(['worker-a'])
      } finally {
        await Promise.all([first.shutdown(), second.shutdown()])
      }
    })

    it('a queue that stops registering without a shutdown is not listed after 3 intervals', async (test) => {
      const { backend } = context
      registryOf(backend, test)
      const clock = new TestClock(new Date(BASE_TIME_MS))
      const healthyClock = new ProcessClock(clock)
      const silentClock = new ProcessClock(clock)
      const healthy = queueOn(backend, healthyClock, 'worker-a')
      const silent = queueOn(backend, silentClock, 'worker-b')
      silent.process(JOB_TYPE, async () => {})
      try {
        await Promise.all([healthy.startup(), silent.startup()])
        expect((await healthy.listWorkers()).map((entry) => entry.workerId)).toEqual(['worker-a', 'worker-b'])
        // The silent queue's process hangs or dies: none of its timers fire again, and it never
        // shuts down. The healthy queue goes on registering every interval.
        silentClock.freeze()
        const listed: string[][] = []
        for (let step = 1; step <= 4; step += 1) {
          await clock.advance(INTERVAL_MS)
          // The healthy queue's only timer is its registration's: re-armed once its write landed.
          await waitFor(() => healthyClock.pendingTimerCount === 1, `registration ${step} of worker-a`)
          listed.push((await healthy.listWorkers()).map((entry) => entry.workerId))
        }
        expect(listed).toEqual([
          ['worker-a', 'worker-b'],
          ['worker-a', 'worker-b'],
          ['worker-a', 'worker-b'],
          ['worker-a'],
        ])
        const [entry] = await healthy.listWorkers()
        expect(entry?.lastSeenAt).toEqual(at(4 * INTERVAL_MS))
      } finally {
        await healthy.shutdown()
      }
    })
  })
}

export function registryOf(backend: Backend, test: TestContext): WorkerRegistry {
  if (backend.capabilities.workers !== true || backend.workers === undefined) {
    test.skip('the backend does not declare capabilities.workers')
  }
  return backend.workers as WorkerRegistry
}

function worker(workerId: string): RegisterWorkerParams['worker'] {
  return {
    workerId,
    host: 'host-1',
    pid: 4242,
    types: [
      { type: JOB_TYPE, concurrency: 4 },
      { type: OTHER_TYPE, concurrency: 2 },
    ],
    instanceConcurrency: 10,
    version: '1.2.3',
    runsSchedules: true,
    startedAt: at(-60_000),
  }
}

/** A registration at `offsetMs` that expires 3 intervals later, as the runtime writes it. */
function registration(workerId: string, offsetMs: number): RegisterWorkerParams {
  return { worker: worker(workerId), expiresAt: at(offsetMs + 3 * INTERVAL_MS), now: at(offsetMs) }
}

function queueOn(backend: Backend, clock: Clock, workerId: string): JobQueue {
  return new JobQueue(backend, {
    clock,
    workerId,
    workerRegistryIntervalMs: INTERVAL_MS,
    schedules: { run: false },
  })
}

async function waitForWorkers(
  queue: JobQueue,
  check: (workers: Awaited<ReturnType<JobQueue['listWorkers']>>) => boolean,
  what: string,
): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!check(await queue.listWorkers())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/**
 * One process's view of a shared TestClock: it counts the timers the process has pending, and
 * `freeze()` simulates the process hanging or dying (its timers never fire, new ones are dropped).
 */
class ProcessClock implements Clock {
  readonly #clock: TestClock
  readonly #timers = new Set<ClockTimer>()
  #frozen = false

  constructor(clock: TestClock) {
    this.#clock = clock
  }

  now(): Date {
    return this.#clock.now()
  }

  setTimeout(callback: () => void, delayMs: number): ClockTimer {
    const handle = this.#clock.setTimeout(() => {
      this.#timers.delete(handle)
      callback()
    }, delayMs)
    if (this.#frozen) this.#clock.clearTimeout(handle)
    else this.#timers.add(handle)
    return handle
  }

  clearTimeout(timer: ClockTimer): void {
    this.#timers.delete(timer)
    this.#clock.clearTimeout(timer)
  }

  get pendingTimerCount(): number {
    return this.#timers.size
  }

  freeze(): void {
    this.#frozen = true
    for (const timer of this.#timers) this.#clock.clearTimeout(timer)
    this.#timers.clear()
  }
}
