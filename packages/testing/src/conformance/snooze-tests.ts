import { type AttemptOutcome, JobQueue, type JobQueueEvents } from '@durabl/core'
import { describe, expect, it } from 'vitest'
import { TestClock } from '../test-clock.js'
import { withoutPush } from '../without-push.js'
import { watchCalls } from './cancel-runtime-tests.js'
import type { ConformanceContext } from './conformance-context.js'
import {
  at,
  claim,
  claimOne,
  endingRef,
  enqueueOne,
  expectTime,
  getJobOrFail,
  keyedJob,
  waitFor,
} from './fixtures.js'

const SNOOZE_TYPE = 'conformance-snooze'

/**
 * Snoozing: a release that names when the job is due again (`runAt` on a release entry), which
 * `ctx.snooze(delayMs)` sends. The attempt is not counted, the lease is cleared and the dedupe
 * slots move as for a shutdown release.
 */
export function describeSnoozeTests(context: ConformanceContext): void {
  describe('snoozing (a release with runAt)', () => {
    it('gives the job back due at runAt, the attempt not counted; it is claimable from then on', async () => {
      const { backend } = context
      const id = await enqueueOne(backend, { maxAttempts: 1 })
      const job = await claimOne(backend, { now: at(0) })
      const result = await backend.acknowledgeJobs({
        complete: [],
        fail: [],
        release: [{ ...endingRef(job), runAt: at(5_000) }],
        now: at(10),
      })
      expect(result.release).toEqual({ applied: [id], lost: [], cancelRequested: [] })
      const stored = await getJobOrFail(backend, id)
      expect(stored).toMatchObject({ state: 'pending', attempts: 0, leaseToken: null, workerId: null })
      expectTime(stored.runAt, at(5_000), 'runAt')
      expect(await claim(backend, { now: at(4_999) })).toEqual([])
      expectTime(await backend.nextDueAt({ types: [stored.type], now: at(10) }), at(5_000), 'nextDueAt')
      // maxAttempts 1: the snoozed attempt did not use it up.
      expect(await claimOne(backend, { now: at(5_000) })).toMatchObject({ id, attempts: 1 })
    })

    it('releaseJobs takes runAt too; without it the job is due now', async () => {
      const { backend } = context
      await enqueueOne(backend)
      await enqueueOne(backend)
      const [later, now] = await claim(backend, { limit: 2, now: at(0) })
      const result = await backend.releaseJobs({
        jobs: [{ ...endingRef(later!), runAt: at(60_000) }, endingRef(now!)],
        now: at(20),
      })
      expect(result.applied.sort()).toEqual([later!.id, now!.id].sort())
      expectTime((await getJobOrFail(backend, later!.id)).runAt, at(60_000), 'snoozed runAt')
      expectTime((await getJobOrFail(backend, now!.id)).runAt, at(20), 'released runAt')
    })

    it('refuses to snooze a job whose cancel was requested (nothing written)', async () => {
      const { backend } = context
      const id = await enqueueOne(backend)
      const job = await claimOne(backend, { now: at(0) })
      await backend.cancelJobs({ ids: [id], now: at(1) })
      const result = await backend.releaseJobs({
        jobs: [{ ...endingRef(job), runAt: at(9_000) }],
        now: at(2),
      })
      expect(result).toEqual({ applied: [], lost: [], cancelRequested: [id] })
      expect(await getJobOrFail(backend, id)).toMatchObject({ state: 'active', leaseToken: job.leaseToken })
    })

    it('keeps the dedupe key held while snoozed, as a release does', async () => {
      const { backend } = context
      const [id] = await backend.enqueueJobs({
        jobs: [keyedJob('snoozed-key', 'pending+active')],
        now: at(0),
      })
      const job = await claimOne(backend, { now: at(0) })
      await backend.releaseJobs({ jobs: [{ ...endingRef(job), runAt: at(5_000) }], now: at(1) })
      expect(
        await backend.enqueueJobs({ jobs: [keyedJob('snoozed-key', 'pending+active')], now: at(2) }),
      ).toEqual([null])
      expect(await claimOne(backend, { now: at(5_000) })).toMatchObject({ id })
    })

    it('refuses a runAt that is not a valid Date, naming the field', async () => {
      const { backend } = context
      await enqueueOne(backend)
      const job = await claimOne(backend, { now: at(0) })
      const error = await backend
        .releaseJobs({ jobs: [{ ...endingRef(job), runAt: new Date(Number.NaN) }], now: at(1) })
        .then(
          () => null,
          (thrown: unknown) => thrown,
        )
      expect((error as Error | null)?.message).toMatch(/runAt/)
      expect(await getJobOrFail(backend, job.id)).toMatchObject({ state: 'active' })
    })

    it('ctx.snooze(delayMs) through JobQueue: job:snoozed, outcome snoozed, and the job runs again delayMs later', async () => {
      const { backend } = context
      const clock = new TestClock(at(0))
      // Without push the queue finds the job again through its due-time timer, on the test clock.
      const watched = watchCalls(withoutPush(backend))
      const queue = new JobQueue(watched.backend, { clock, workerId: 'snoozer' })
      const attempts: number[] = []
      queue.process(SNOOZE_TYPE, async (job, ctx) => {
        attempts.push(job.attempts)
        if (attempts.length === 1) return ctx.snooze(5_000)
        return 'done'
      })
      const snoozed: Array<JobQueueEvents['job:snoozed']> = []
      const outcomes: AttemptOutcome[] = []
      queue.on('job:snoozed', (event) => snoozed.push(event))
      queue.use({
        name: 'watch',
        process: async (_info, next) => {
          const outcome = await next()
          outcomes.push(outcome)
          return outcome
        },
      })
      try {
        // Enqueued first, so the claim at startup takes it (no timer has to fire).
        const id = (await queue.enqueue(SNOOZE_TYPE, {}, { maxAttempts: 1 })) as string
        await queue.startup()
        await waitFor(() => snoozed.length === 1, 'job:snoozed')
        expect(snoozed[0]?.job.id).toBe(id)
        expectTime(snoozed[0]?.runAt, at(5_000), 'job:snoozed runAt')
        expect(outcomes[0]).toMatchObject({ status: 'snoozed' })
        expect(await getJobOrFail(backend, id)).toMatchObject({ state: 'pending', attempts: 0 })
        await watched.idle()
        await clock.advance(4_999)
        await watched.idle()
        expect(attempts).toEqual([1])
        await clock.advance(1)
        await waitFor(() => outcomes.length === 2, 'the second attempt')
        expect(attempts).toEqual([1, 1])
        expect(await getJobOrFail(backend, id)).toMatchObject({ state: 'completed', result: 'done' })
      } finally {
        await queue.shutdown(0)
      }
    })
  })
}
