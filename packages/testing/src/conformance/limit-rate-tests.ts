import type { Job, TypeLimits } from '@durabl/core'
import { describe, expect, it } from 'vitest'
import type { ConformanceContext } from './conformance-context.js'
import { at, endingRef, expectTime, getJobOrFail, JOB_TYPE, newJob } from './fixtures.js'
import { claimLimited, countBy, expectAtMostPerWindow } from './limit-fixtures.js'

/** Rate limits in `claimJobs`: exact sliding windows, held-back jobs moved, never an attempt used. */
export function describeRateLimitTests(context: ConformanceContext): void {
  describe('fleet-wide rate limits', () => {
    /** Claims every `stepMs` from 0 to `untilMs`, completing each job at once; returns the starts. */
    async function drive(limits: TypeLimits, stepMs: number, untilMs: number, workers = 1): Promise<Job[]> {
      const started: Job[] = []
      for (let offsetMs = 0; offsetMs <= untilMs; offsetMs += stepMs) {
        const batches = await Promise.all(
          Array.from({ length: workers }, (_, worker) =>
            claimLimited(context.backend, limits, {
              now: at(offsetMs),
              limit: 10,
              workerId: `worker-${worker}`,
            }),
          ),
        )
        const jobs = batches.flat()
        started.push(...jobs)
        if (jobs.length > 0)
          await context.backend.completeJobs({ jobs: jobs.map(endingRef), now: at(offsetMs) })
      }
      return started
    }

    it('never starts more than max jobs of a type in any window of perMs', async () => {
      const limits: TypeLimits = { rateLimit: { max: 3, perMs: 1_000 } }
      await context.backend.enqueueJobs({
        jobs: Array.from({ length: 40 }, (_, index) => newJob({ data: { index } })),
        now: at(0),
      })
      const started = await drive(limits, 100, 5_000)
      expectAtMostPerWindow(
        started.map((job) => job.startedAt as Date),
        3,
        1_000,
        'starts of the type',
      )
      // Not slower than the limit either: 3 at each of 0, 1 s, … 5 s.
      expect(started).toHaveLength(18)
    })

    it('holds concurrent claims to the limit too', async () => {
      const limits: TypeLimits = { rateLimit: { max: 5, perMs: 1_000 } }
      await context.backend.enqueueJobs({
        jobs: Array.from({ length: 40 }, (_, index) => newJob({ data: { index } })),
        now: at(0),
      })
      const started = await drive(limits, 250, 3_000, 6)
      expectAtMostPerWindow(
        started.map((job) => job.startedAt as Date),
        5,
        1_000,
        'starts of the type',
      )
      expect(started.length).toBeGreaterThan(0)
    })

    it('never starts more than max jobs of a key in any window, other keys going ahead', async () => {
      const limits: TypeLimits = { perKey: { rateLimit: { max: 2, perMs: 1_000 } } }
      const keys = ['a', 'b']
      await context.backend.enqueueJobs({
        jobs: Array.from({ length: 16 }, (_, index) => newJob({ limitKey: keys[index % 2] })),
        now: at(0),
      })
      const started = await drive(limits, 100, 3_000)
      for (const key of keys) {
        expectAtMostPerWindow(
          started.filter((job) => job.limitKey === key).map((job) => job.startedAt as Date),
          2,
          1_000,
          `starts of key ${key}`,
        )
      }
      expect(countBy(started, (job) => String(job.limitKey))).toEqual(
        new Map([
          ['a', 8],
          ['b', 8],
        ]),
      )
    })

    it('holds concurrent claims to per-key limits too', async () => {
      const limits: TypeLimits = { perKey: { rateLimit: { max: 2, perMs: 1_000 } } }
      const keys = ['a', 'b', 'c']
      await context.backend.enqueueJobs({
        jobs: Array.from({ length: 30 }, (_, index) => newJob({ limitKey: keys[index % 3] })),
        now: at(0),
      })
      const started = await drive(limits, 250, 2_000, 4)
      for (const key of keys)
        expectAtMostPerWindow(
          started.filter((job) => job.limitKey === key).map((job) => job.startedAt as Date),
          2,
          1_000,
          `starts of key ${key}`,
        )
      expect(started.length).toBeGreaterThan(0)
    })

    it('holds a type limit and per-key limits together, one start per key first', async () => {
      const limits: TypeLimits = {
        rateLimit: { max: 3, perMs: 1_000 },
        perKey: { rateLimit: { max: 1, perMs: 1_000 } },
      }
      await context.backend.enqueueJobs({
        jobs: ['a', 'a', 'a', 'b', 'b', 'c', 'd'].map((limitKey) => newJob({ limitKey })),
        now: at(0),
      })
      const first = await claimLimited(context.backend, limits)
      expect(first.map((job) => job.limitKey)).toEqual(['a', 'b', 'c'])
      const started = [...first, ...(await drive(limits, 100, 3_000))]
      expectAtMostPerWindow(
        started.map((job) => job.startedAt as Date),
        3,
        1_000,
        'starts of the type',
      )
      for (const key of ['a', 'b', 'c', 'd'])
        expectAtMostPerWindow(
          started.filter((job) => job.limitKey === key).map((job) => job.startedAt as Date),
          1,
          1_000,
          `starts of key ${key}`,
        )
    })

    it('moves a held-back job to when the limit allows, keeping its attempts', async () => {
      const limits: TypeLimits = { rateLimit: { max: 1, perMs: 1_000 } }
      const ids = await context.backend.enqueueJobs({ jobs: [newJob(), newJob(), newJob()], now: at(0) })
      const [first] = await claimLimited(context.backend, limits, { now: at(0) })
      expect(first?.id).toBe(ids[0])
      for (const id of ids.slice(1)) {
        const held = await getJobOrFail(context.backend, id as string)
        expect(held.state).toBe('pending')
        expect(held.attempts).toBe(0)
        expectTime(held.runAt, at(1_000), 'runAt of a held-back job')
      }
      // The runtime's next-due read arms its timer for that instant, so it does not poll meanwhile.
      expectTime(await context.backend.nextDueAt({ types: [JOB_TYPE], now: at(0) }), at(1_000), 'nextDueAt')
      expect(await claimLimited(context.backend, limits, { now: at(999) })).toEqual([])
      const [second] = await claimLimited(context.backend, limits, { now: at(1_000) })
      expect(second?.attempts).toBe(1)
      expectTime(second?.startedAt, at(1_000), 'startedAt')
    })

    it('never records a start before the newest one: a claim with an older now starts at it', async () => {
      const limits: TypeLimits = { rateLimit: { max: 5, perMs: 1_000 } }
      await context.backend.enqueueJobs({ jobs: [newJob(), newJob()], now: at(0) })
      const [late] = await claimLimited(context.backend, limits, { now: at(500), limit: 1 })
      // A claim whose now was taken earlier and whose reservation arrived later.
      const [early] = await claimLimited(context.backend, limits, { now: at(400), limit: 1 })
      expectTime(late?.startedAt, at(500), 'startedAt of the first claim')
      expectTime(early?.startedAt, at(500), 'startedAt of the claim with the older now')
    })
  })
}
