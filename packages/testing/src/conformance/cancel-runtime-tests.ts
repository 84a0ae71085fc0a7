import { type Backend, type Job, JobCancelledError, JobQueue, type JobQueueEvents } from '@durabl/core'
import { describe, expect, it } from 'vitest'
import { TestClock } from '../test-clock.js'
import { withoutPush } from '../without-push.js'
import type { ConformanceContext } from './conformance-context.js'
import { at, getJobOrFail, LEASE_MS, newJob, waitFor } from './fixtures.js'

const RUNTIME_TYPE = 'conformance-runtime'
const HEARTBEAT_MS = 10_000

/** Resolves with the signal's reason once it aborts. */
export function abortReason(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason)
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(signal.reason), { once: true }),
  )
}

/**
 * The backend, seen through a proxy that counts calls in flight (its own methods and those of its
 * stores: `controls`, `schedules`, `workers`), and a wait until none is: after `clock.advance()`
 * fires timers, their backend calls finish in real time.
 */
export function watchCalls(backend: Backend): { backend: Backend; idle(): Promise<void> } {
  let inFlight = 0
  const watch = <T extends object>(target: T, stores: readonly string[]): T =>
    new Proxy(target, {
      get(object, property) {
        const value = Reflect.get(object, property, object)
        if (
          typeof property === 'string' &&
          stores.includes(property) &&
          typeof value === 'object' &&
          value !== null
        )
          return watch(value, [])
        if (typeof value !== 'function') return value
        return (...args: unknown[]) => {
          const result = value.apply(object, args)
          if (!(result instanceof Promise)) return result
          inFlight++
          return result.finally(() => inFlight--)
        }
      },
    })
  return {
    backend: watch(backend, ['controls', 'schedules', 'workers']),
    idle: () => waitFor(() => inFlight === 0, 'backend calls in flight to finish'),
  }
}

/**
 * Two JobQueues on one backend, as two processes would share a database: one runs jobs, the other
 * only cancels them. Time moves only by `clock.advance()`; backend replies are awaited by polling
 * (a database answers in real time).
 */
export function describeCancelRuntimeTests(context: ConformanceContext): void {
  describe('cancelling a running job through JobQueue', () => {
    it('without push, a cancel from another queue aborts the running handler with a JobCancelledError at its next heartbeat, and the job ends cancelled', async () => {
      const backend = context.backend
      const clock = new TestClock(at(0))
      const [id] = await backend.enqueueJobs({ jobs: [newJob({ type: RUNTIME_TYPE })], now: clock.now() })
      // Without push the runner hears of the request at its heartbeat (with push, at once: see
      // cancel-push-tests.ts).
      const runner = new JobQueue(withoutPush(backend), { clock, workerId: 'runner' })
      const canceller = new JobQueue(backend, { clock, workerId: 'canceller' })
      let running: Job | undefined
      let reason: unknown
      runner.process(
        RUNTIME_TYPE,
        async (job, ctx) => {
          running = job
          reason = await abortReason(ctx.signal)
          // Whatever the handler returns now, the job ends cancelled.
          return 'finished anyway'
        },
        { leaseMs: LEASE_MS, heartbeatMs: HEARTBEAT_MS },
      )
      const cancelled: Array<JobQueueEvents['job:cancelled']> = []
      const completed: string[] = []
      runner.on('job:cancelled', (event) => cancelled.push(event))
      runner.on('job:completed', ({ job }) => completed.push(job.id))
      await canceller.startup()
      await runner.startup()
      try {
        // The runner's first claim, at startup, takes the job.
        await waitFor(() => running !== undefined, 'the runner to start the job')
        expect(await canceller.cancelJob(id as string)).toBe(true)
        expect(await getJobOrFail(backend, id as string)).toMatchObject({
          state: 'active',
          leaseToken: running?.leaseToken,
        })
        expect(reason).toBeUndefined()

        await clock.advance(HEARTBEAT_MS)
        await waitFor(() => cancelled.length === 1, 'the runner to record the cancel (job:cancelled)')
        expect(JobCancelledError.isInstance(reason)).toBe(true)
        expect(cancelled[0]?.job.id).toBe(id)
        expect(completed).toEqual([])
        const stored = await getJobOrFail(backend, id as string)
        expect(stored).toMatchObject({ state: 'cancelled', leaseToken: null, workerId: null, result: null })
        expect(stored.lastError).toMatchObject({ attempt: 1, code: 'JOB_CANCELLED', fatal: true })

        // A late write with the runner's old lease changes nothing.
        const late = await backend.completeJobs({
          jobs: [{ id: id as string, leaseToken: running?.leaseToken as string, result: 'late' }],
          now: clock.now(),
        })
        expect(late).toEqual({ applied: [], lost: [id] })
        expect((await getJobOrFail(backend, id as string)).state).toBe('cancelled')
      } finally {
        await runner.shutdown(0)
        await canceller.shutdown(0)
      }
    })

    it('a job whose worker died is cancelled by lease recovery and never started again', async () => {
      const backend = context.backend
      const clock = new TestClock(at(0))
      const [id] = await backend.enqueueJobs({ jobs: [newJob({ type: RUNTIME_TYPE })], now: clock.now() })
      // A worker claims it and dies without a heartbeat.
      await backend.claimJobs({
        types: [{ type: RUNTIME_TYPE, limit: 1, leaseMs: LEASE_MS }],
        limit: 1,
        workerId: 'dead-worker',
        now: clock.now(),
      })
      const watched = watchCalls(backend)
      const canceller = new JobQueue(backend, { clock, workerId: 'canceller' })
      const rescuer = new JobQueue(watched.backend, { clock, workerId: 'rescuer', recoverIntervalMs: 1_000 })
      const started: string[] = []
      rescuer.process(RUNTIME_TYPE, (job) => void started.push(job.id), { pollIntervalMs: 1_000 })
      const recoveries: Array<JobQueueEvents['stale:recovered']> = []
      rescuer.on('stale:recovered', (event) => recoveries.push(event))
      await canceller.startup()
      expect(await canceller.cancelJob(id as string)).toBe(true)
      await rescuer.startup()
      try {
        const deadline = at(LEASE_MS * 3)
        while (recoveries.length === 0 && clock.now() < deadline) {
          await watched.idle()
          await clock.advance(1_000)
        }
        expect(recoveries).toEqual([{ recovered: 0, failed: 0, cancelled: 1 }])
        const stored = await getJobOrFail(backend, id as string)
        expect(stored).toMatchObject({ state: 'cancelled', leaseToken: null })
        expect(stored.lastError).toMatchObject({ code: 'LEASE_EXPIRED', fatal: true })
        for (let step = 0; step < 5; step++) {
          await watched.idle()
          await clock.advance(1_000)
        }
        await watched.idle()
        expect(started).toEqual([])
      } finally {
        await rescuer.shutdown(0)
        await canceller.shutdown(0)
      }
    })
  })
}
