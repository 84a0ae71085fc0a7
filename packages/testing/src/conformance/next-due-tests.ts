import { describe, expect, it } from 'vitest'
import type { ConformanceContext } from './conformance-context.js'
import {
  at,
  claimOne,
  endingRef,
  enqueueOne,
  expectTime,
  JOB_TYPE,
  jobError,
  OTHER_TYPE,
} from './fixtures.js'

/** `nextDueAt`: when the next delayed job of some types falls due, so a worker can set a timer. */
export function describeNextDueTests(context: ConformanceContext): void {
  describe('next due time', () => {
    it('is null when no job of the types is pending later', async () => {
      expect(await context.backend.nextDueAt({ types: [JOB_TYPE], now: at(0) })).toBeNull()
      await enqueueOne(context.backend, { runAt: at(0) })
      await enqueueOne(context.backend, { type: OTHER_TYPE, runAt: at(60_000) })
      expect(await context.backend.nextDueAt({ types: [JOB_TYPE], now: at(0) })).toBeNull()
      expect(await context.backend.nextDueAt({ types: [], now: at(0) })).toBeNull()
    })

    it('is the earliest runAt after now among pending jobs of the types, whatever their priority', async () => {
      await enqueueOne(context.backend, { runAt: at(90_000), priority: -10 })
      await enqueueOne(context.backend, { runAt: at(30_000), priority: 10 })
      await enqueueOne(context.backend, { runAt: at(60_000), priority: 0 })
      await enqueueOne(context.backend, { type: OTHER_TYPE, runAt: at(10_000) })
      expectTime(await context.backend.nextDueAt({ types: [JOB_TYPE], now: at(0) }), at(30_000))
      expectTime(await context.backend.nextDueAt({ types: [JOB_TYPE, OTHER_TYPE], now: at(0) }), at(10_000))
      // Strictly after now: a job due at `now` is claimable, not later.
      expectTime(await context.backend.nextDueAt({ types: [JOB_TYPE], now: at(30_000) }), at(60_000))
      expect(await context.backend.nextDueAt({ types: [JOB_TYPE], now: at(90_000) })).toBeNull()
    })

    it('counts only pending jobs: a retry waiting for its backoff counts, a claimed or cancelled job does not', async () => {
      const cancelled = await enqueueOne(context.backend, { runAt: at(20_000) })
      await context.backend.cancelJobs({ ids: [cancelled], now: at(0) })
      await enqueueOne(context.backend, { runAt: at(0) })
      const claimed = await claimOne(context.backend, { now: at(0) })
      expect(await context.backend.nextDueAt({ types: [JOB_TYPE], now: at(0) })).toBeNull()
      const failed = await context.backend.failJobs({
        jobs: [
          {
            ...endingRef(claimed),
            error: jobError(1),
            retryAt: at(45_000),
          },
        ],
        now: at(1_000),
      })
      expect(failed.retried).toEqual([claimed.id])
      expectTime(await context.backend.nextDueAt({ types: [JOB_TYPE], now: at(1_000) }), at(45_000))
    })

    it('changes nothing: the delayed job is still claimed at its runAt', async () => {
      const id = await enqueueOne(context.backend, { runAt: at(5_000) })
      expectTime(await context.backend.nextDueAt({ types: [JOB_TYPE], now: at(0) }), at(5_000))
      const job = await claimOne(context.backend, { now: at(5_000) })
      expect(job.id).toBe(id)
      expect(job.attempts).toBe(1)
    })
  })
}
