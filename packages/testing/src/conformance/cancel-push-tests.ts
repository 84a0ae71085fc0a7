import { type Job, JobCancelledError, JobQueue, type JobQueueEvents, type PushStatus } from '@durabl/core'
import { describe, expect, it, type TestContext } from 'vitest'
import { TestClock } from '../test-clock.js'
import { abortReason } from './cancel-runtime-tests.js'
import type { ConformanceContext } from './conformance-context.js'
import { at, getJobOrFail, LEASE_MS, newJob, waitFor } from './fixtures.js'

const PUSH_TYPE = 'conformance-cancel-push'

/**
 * A cancel request pushed to the worker that runs the job (`SubscribeParams.onCancelRequested`),
 * so it stops at once instead of at its next heartbeat. Skipped without `capabilities.push`, and
 * when push falls back to polling at run time.
 */
export function describeCancelPushTests(context: ConformanceContext): void {
  describe('cancel requests through push', () => {
    it('a subscriber hears the id of an active job whose cancel was requested, and only of that', async (test) => {
      const { backend } = context
      const subscribe = requirePush(context, test)
      const [activeId, pendingId] = await backend.enqueueJobs({
        jobs: [newJob({ type: PUSH_TYPE, priority: -1 }), newJob({ type: PUSH_TYPE })],
        now: at(0),
      })
      await backend.claimJobs({
        types: [{ type: PUSH_TYPE, limit: 1, leaseMs: LEASE_MS }],
        limit: 1,
        workerId: 'worker-a',
        now: at(0),
      })
      const requested: string[][] = []
      const statuses: PushStatus[] = []
      const subscription = await subscribe({
        types: [],
        onWake: () => {},
        onStatus: (status) => statuses.push(status),
        onCancelRequested: (ids) => requested.push(ids),
      })
      try {
        await waitFor(() => statuses.length > 0, 'a first status from subscribe()')
        skipOnFallback(statuses, test)
        // The pending one is cancelled at once (nobody runs it); the active one gets a request.
        expect(
          await backend.cancelJobs({ ids: [pendingId as string, activeId as string], now: at(1) }),
        ).toHaveLength(2)
        await waitFor(() => requested.flat().includes(activeId as string), 'the cancel request to be pushed')
        expect(requested.flat()).toEqual([activeId])
      } finally {
        await subscription.close()
      }
    })

    it("a cancel from another queue aborts the running handler's signal at once, without a heartbeat, and the job ends cancelled", async (test) => {
      requirePush(context, test)
      const { backend } = context
      // Never advanced: no heartbeat, poll or recovery timer can fire, so only push can deliver it.
      const clock = new TestClock(at(0))
      const [id] = await backend.enqueueJobs({ jobs: [newJob({ type: PUSH_TYPE })], now: clock.now() })
      const canceller = new JobQueue(backend, { clock, workerId: 'canceller' })
      const runner = new JobQueue(backend, { clock, workerId: 'runner' })
      const statuses: string[] = []
      runner.on('push:connected', () => statuses.push('connected'))
      runner.on('push:fallback', () => statuses.push('fallback'))
      let running: Job | undefined
      let reason: unknown
      runner.process(
        PUSH_TYPE,
        async (job, ctx) => {
          running = job
          reason = await abortReason(ctx.signal)
          return 'finished anyway'
        },
        { leaseMs: LEASE_MS, heartbeatMs: LEASE_MS / 3 },
      )
      const cancelled: Array<JobQueueEvents['job:cancelled']> = []
      runner.on('job:cancelled', (event) => cancelled.push(event))
      await canceller.startup()
      await runner.startup()
      try {
        await waitFor(() => running !== undefined && statuses.length > 0, 'the runner to start the job')
        if (statuses.includes('fallback')) test.skip('push fell back to polling')
        expect(await canceller.cancelJob(id as string)).toBe(true)
        await waitFor(() => cancelled.length === 1, 'the runner to end the job cancelled (job:cancelled)')
        expect(JobCancelledError.isInstance(reason)).toBe(true)
        expect(clock.now()).toEqual(at(0))
        const stored = await getJobOrFail(backend, id as string)
        expect(stored).toMatchObject({ state: 'cancelled', leaseToken: null, attempts: 1 })
        expect(stored.lastError).toMatchObject({ code: 'JOB_CANCELLED', fatal: true })
      } finally {
        await runner.shutdown(0)
        await canceller.shutdown(0)
      }
    })
  })
}

function requirePush(context: ConformanceContext, test: TestContext) {
  const { backend } = context
  const subscribe = backend.subscribe?.bind(backend)
  if (!backend.capabilities.push || subscribe === undefined) {
    test.skip('the backend does not declare capabilities.push (or has no subscribe())')
  }
  return subscribe as NonNullable<typeof subscribe>
}

function skipOnFallback(statuses: PushStatus[], test: TestContext): void {
  const fallback = statuses.find((status) => status.state === 'fallback')
  if (fallback?.state === 'fallback') test.skip(`push fell back to polling: ${fallback.reason}`)
}
