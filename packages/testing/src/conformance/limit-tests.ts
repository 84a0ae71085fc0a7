import type { Backend, Job, TypeLimits } from '@durabl/core'
import { describe, expect, it } from 'vitest'
import type { ConformanceContext } from './conformance-context.js'
import { at, endingRef, jobError, newJob } from './fixtures.js'
import { activeAmong, claimLimited, countBy } from './limit-fixtures.js'
import { describeRateLimitTests } from './limit-rate-tests.js'

/**
 * Fleet-wide limits in `claimJobs` (`ClaimTypeLimit.limits`, docs/limits.md): concurrency of a
 * type and per key never exceeded, also by concurrent claims; the slots freed by every way out of
 * `active`; rate limits in `limit-rate-tests.ts`.
 */
export function describeLimitTests(context: ConformanceContext): void {
  describe('fleet-wide limits', () => {
    it('claims a type without limits exactly as before', async () => {
      const ids = await context.backend.enqueueJobs({
        jobs: Array.from({ length: 5 }, (_, index) => newJob({ data: { index }, limitKey: 'k' })),
        now: at(0),
      })
      const withNull = await claimLimited(context.backend, null, { limit: 2 })
      const withEmpty = await claimLimited(context.backend, {}, { limit: 3 })
      expect([...withNull, ...withEmpty].map((job) => job.id)).toEqual(ids)
      for (const job of [...withNull, ...withEmpty]) {
        expect(job.limitKey).toBe('k')
        expect(job.startedAt?.getTime()).toBe(at(0).getTime())
      }
    })

    it('never runs more jobs of a type than its concurrency, under concurrent claims', async () => {
      const limits: TypeLimits = { concurrency: 3 }
      const ids = await context.backend.enqueueJobs({
        jobs: Array.from({ length: 12 }, (_, index) => newJob({ data: { index } })),
        now: at(0),
      })
      const batches = await Promise.all(
        Array.from({ length: 8 }, (_, worker) =>
          claimLimited(context.backend, limits, { limit: 5, workerId: `worker-${worker}` }),
        ),
      )
      expect(batches.flat().length).toBeLessThanOrEqual(3)
      // Racing claims may leave slots unused; sweeps fill them, and never past the limit.
      await claimLimited(context.backend, limits, { workerId: 'sweeper' })
      await claimLimited(context.backend, limits, { workerId: 'sweeper' })
      expect(await activeAmong(context.backend, ids)).toHaveLength(3)
      expect(await claimLimited(context.backend, limits, { workerId: 'sweeper' })).toEqual([])
    })

    it('never runs more jobs of a key than its per-key concurrency, and claims past a full key', async () => {
      const limits: TypeLimits = { perKey: { concurrency: 1 } }
      const keys = ['a', 'a', 'a', 'a', 'b', 'b', null, 'c']
      const ids = await context.backend.enqueueJobs({
        jobs: keys.map((limitKey, index) => newJob({ data: { index }, limitKey })),
        now: at(0),
      })
      const batches = await Promise.all(
        Array.from({ length: 6 }, (_, worker) =>
          claimLimited(context.backend, limits, { limit: 3, workerId: `worker-${worker}` }),
        ),
      )
      const perKey = countBy(batches.flat(), (job) => String(job.limitKey))
      for (const key of ['a', 'b', 'c']) expect(perKey.get(key) ?? 0).toBeLessThanOrEqual(1)
      await claimLimited(context.backend, limits, { workerId: 'sweeper' })
      const active = await activeAmong(context.backend, ids)
      // One of each key, and the job without a key (per-key limits do not apply to it).
      expect(active.map((job) => job.limitKey).sort()).toEqual(['a', 'b', 'c', null].sort())
    })

    it('holds both limits at once: the type as a whole and each key', async () => {
      const limits: TypeLimits = { concurrency: 2, perKey: { concurrency: 1 } }
      await context.backend.enqueueJobs({
        jobs: ['a', 'a', 'b', 'c'].map((limitKey) => newJob({ limitKey })),
        now: at(0),
      })
      const claimed = await claimLimited(context.backend, limits)
      expect(claimed.map((job) => job.limitKey)).toEqual(['a', 'b'])
      expect(await claimLimited(context.backend, limits)).toEqual([])
    })

    describe('frees the slots of a job', () => {
      const limits: TypeLimits = { concurrency: 1, perKey: { concurrency: 1 } }
      const endings: Array<[string, (backend: Backend, job: Job) => Promise<unknown>]> = [
        ['completed', (backend, job) => backend.completeJobs({ jobs: [endingRef(job)], now: at(1) })],
        [
          'retried',
          (backend, job) =>
            backend.failJobs({
              jobs: [{ ...endingRef(job), error: jobError(1), retryAt: at(1) }],
              now: at(1),
            }),
        ],
        [
          'failed for good',
          (backend, job) =>
            backend.failJobs({
              jobs: [{ ...endingRef(job), error: jobError(1), retryAt: null }],
              now: at(1),
            }),
        ],
        ['released', (backend, job) => backend.releaseJobs({ jobs: [endingRef(job)], now: at(1) })],
        [
          'cancelled while running',
          (backend, job) =>
            backend.acknowledgeJobs({
              complete: [],
              fail: [],
              release: [],
              cancel: [{ ...endingRef(job), error: jobError(1, { fatal: true }) }],
              now: at(1),
            }),
        ],
        [
          'acknowledged in a mixed batch',
          (backend, job) =>
            backend.acknowledgeJobs({ complete: [endingRef(job)], fail: [], release: [], now: at(1) }),
        ],
        [
          'recovered after its lease expired',
          (backend) =>
            backend.recoverExpiredLeases({
              now: at(LEASE_EXPIRED_AT),
              error: {
                name: 'LeaseExpired',
                message: 'lease expired',
                code: null,
                stack: null,
                fatal: false,
                at: at(0),
              },
            }),
        ],
      ]

      it.each(endings)('%s', async (_, end) => {
        const ids = await context.backend.enqueueJobs({
          jobs: [newJob({ limitKey: 'k' }), newJob({ limitKey: 'k' })],
          now: at(0),
        })
        const [running] = await claimLimited(context.backend, limits, { leaseMs: 1_000 })
        expect(running).toBeDefined()
        expect(await claimLimited(context.backend, limits, { now: at(1) })).toEqual([])
        await end(context.backend, running as Job)
        const later = at(LEASE_EXPIRED_AT)
        const next = await claimLimited(context.backend, limits, { now: later })
        expect(next).toHaveLength(1)
        expect(await activeAmong(context.backend, ids)).toHaveLength(1)
      })
    })
  })
  describeRateLimitTests(context)
}

/** Past the 1 s lease of the claims above, so recovery takes it back. */
const LEASE_EXPIRED_AT = 5_000
