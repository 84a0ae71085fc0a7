import { describe, expect, it } from 'vitest'
import type { ConformanceContext } from './conformance-context.js'
import {
  at,
  claim,
  claimOne,
  endingRef,
  enqueueOne,
  expectTime,
  JOB_TYPE,
  newJob,
  OTHER_TYPE,
  WORKER_B,
} from './fixtures.js'

export function describeOrderingTests(context: ConformanceContext): void {
  describe('claim order and limits', () => {
    it('claims lower priority first', async () => {
      const low = await enqueueOne(context.backend, { priority: 5 })
      const high = await enqueueOne(context.backend, { priority: -5 })
      const middle = await enqueueOne(context.backend, { priority: 0 })
      const claimed = await claim(context.backend, { now: at(1_000) })
      expect(claimed.map((job) => job.id)).toEqual([high, middle, low])
    })

    it('claims the earlier runAt first among equal priorities', async () => {
      const later = await enqueueOne(context.backend, { runAt: at(300) })
      const earliest = await enqueueOne(context.backend, { runAt: at(100) })
      const middle = await enqueueOne(context.backend, { runAt: at(200) })
      const claimed = await claim(context.backend, { now: at(1_000) })
      expect(claimed.map((job) => job.id)).toEqual([earliest, middle, later])
    })

    it('claims in insertion order when priority and runAt are equal, across calls and within a batch', async () => {
      const first = await enqueueOne(context.backend)
      const batch = await context.backend.enqueueJobs({ jobs: [newJob(), newJob(), newJob()], now: at(0) })
      const last = await enqueueOne(context.backend)
      const claimed = await claim(context.backend, { now: at(0) })
      expect(claimed.map((job) => job.id)).toEqual([first, ...batch, last])
    })

    it('takes one job at a time in order when the limit is 1', async () => {
      const second = await enqueueOne(context.backend, { priority: 2 })
      const first = await enqueueOne(context.backend, { priority: 1 })
      expect((await claimOne(context.backend, { limit: 1 })).id).toBe(first)
      expect((await claimOne(context.backend, { limit: 1 })).id).toBe(second)
      expect(await claim(context.backend, { limit: 1 })).toEqual([])
    })

    it('claims only the requested types, at most each type limit and the overall limit', async () => {
      await context.backend.enqueueJobs({
        jobs: [
          ...Array.from({ length: 4 }, () => newJob({ type: JOB_TYPE })),
          ...Array.from({ length: 4 }, () => newJob({ type: OTHER_TYPE })),
          newJob({ type: 'conformance-unrequested' }),
        ],
        now: at(0),
      })
      const claimed = await context.backend.claimJobs({
        types: [
          { type: JOB_TYPE, limit: 2, leaseMs: 10_000 },
          { type: OTHER_TYPE, limit: 3, leaseMs: 20_000 },
        ],
        limit: 4,
        workerId: 'worker-a',
        now: at(0),
      })
      expect(claimed).toHaveLength(4)
      const byType = (type: string) => claimed.filter((job) => job.type === type)
      expect(byType(JOB_TYPE).length).toBeLessThanOrEqual(2)
      expect(byType(OTHER_TYPE).length).toBeLessThanOrEqual(3)
      expect(byType('conformance-unrequested')).toHaveLength(0)
      for (const job of byType(OTHER_TYPE))
        expectTime(job.leaseExpiresAt, at(20_000), 'leaseExpiresAt of OTHER_TYPE')
      for (const job of byType(JOB_TYPE))
        expectTime(job.leaseExpiresAt, at(10_000), 'leaseExpiresAt of JOB_TYPE')
    })

    it('makes a claimed job active with one more attempt, a lease token, the worker and the lease deadline', async () => {
      const id = await enqueueOne(context.backend)
      const job = await claimOne(context.backend, { leaseMs: 5_000, workerId: WORKER_B, now: at(250) })
      expect(job).toMatchObject({ id, state: 'active', attempts: 1, workerId: WORKER_B })
      expect(typeof job.leaseToken).toBe('string')
      expect((job.leaseToken as string).length).toBeGreaterThan(0)
      expectTime(job.startedAt, at(250), 'startedAt')
      expectTime(job.leaseExpiresAt, at(5_250), 'leaseExpiresAt')
      const stored = await context.backend.getJob({ id })
      expect(stored).toMatchObject({
        state: 'active',
        attempts: 1,
        leaseToken: job.leaseToken,
        workerId: WORKER_B,
      })
    })

    it('gives every claim a fresh lease token', async () => {
      await enqueueOne(context.backend)
      const first = await claimOne(context.backend)
      const released = await context.backend.releaseJobs({
        jobs: [endingRef(first)],
        now: at(10),
      })
      expect(released.applied).toEqual([first.id])
      const second = await claimOne(context.backend, { now: at(10) })
      expect(second.id).toBe(first.id)
      expect(second.leaseToken).not.toBe(first.leaseToken)
    })

    it('returns nothing when nothing is due and never claims an active job twice', async () => {
      expect(await claim(context.backend)).toEqual([])
      await enqueueOne(context.backend)
      await claimOne(context.backend)
      expect(await claim(context.backend, { workerId: WORKER_B, now: at(1_000) })).toEqual([])
    })
  })
}
