import { describe, expect, it } from 'vitest'
import type { ConformanceContext } from './conformance-context.js'
import { at, claim, claimOne, endingRef, enqueueOne, expectTime, getJobOrFail, newJob } from './fixtures.js'

function expiryError(now: Date) {
  return {
    name: 'LeaseExpiredError',
    message: 'the lease expired',
    code: 'LEASE_EXPIRED',
    stack: null,
    fatal: false,
    at: now,
  }
}

export function describeRecoveryTests(context: ConformanceContext): void {
  describe('lease expiry and recovery', () => {
    it('leaves a job whose lease has not expired', async () => {
      const id = await enqueueOne(context.backend)
      await claimOne(context.backend, { leaseMs: 1_000, now: at(0) })
      expect(
        await context.backend.recoverExpiredLeases({ now: at(999), error: expiryError(at(999)) }),
      ).toEqual({
        recovered: 0,
        failed: 0,
        cancelled: 0,
      })
      expect((await getJobOrFail(context.backend, id)).state).toBe('active')
    })

    it('returns an expired job with attempts left to pending, due now, with the error recorded', async () => {
      const id = await enqueueOne(context.backend, { maxAttempts: 3 })
      await claimOne(context.backend, { leaseMs: 1_000, now: at(0) })
      const now = at(1_001)
      expect(await context.backend.recoverExpiredLeases({ now, error: expiryError(now) })).toEqual({
        recovered: 1,
        failed: 0,
        cancelled: 0,
      })
      const job = await getJobOrFail(context.backend, id)
      expect(job).toMatchObject({
        state: 'pending',
        attempts: 1,
        leaseToken: null,
        leaseExpiresAt: null,
        workerId: null,
      })
      expectTime(job.runAt, now, 'runAt')
      expect(job.lastError).toMatchObject({
        attempt: 1,
        name: 'LeaseExpiredError',
        message: 'the lease expired',
      })
      expect(job.errors).toHaveLength(1)
      const again = await claimOne(context.backend, { now })
      expect(again).toMatchObject({ id, attempts: 2 })
    })

    it('fails an expired job that has used its last attempt, with the error recorded', async () => {
      const id = await enqueueOne(context.backend, { maxAttempts: 1 })
      await claimOne(context.backend, { leaseMs: 1_000, now: at(0) })
      const now = at(5_000)
      expect(await context.backend.recoverExpiredLeases({ now, error: expiryError(now) })).toEqual({
        recovered: 0,
        failed: 1,
        cancelled: 0,
      })
      const job = await getJobOrFail(context.backend, id)
      expect(job).toMatchObject({ state: 'failed', attempts: 1, leaseToken: null })
      expectTime(job.finishedAt, now, 'finishedAt')
      expect(job.lastError).toMatchObject({ attempt: 1, name: 'LeaseExpiredError' })
      expect(await claim(context.backend, { now: at(10_000) })).toEqual([])
    })

    it('counts recovered and failed jobs in one pass, and leaves pending and live jobs alone', async () => {
      const [capped, open, live, waiting] = await context.backend.enqueueJobs({
        jobs: [
          newJob({ maxAttempts: 1, priority: 1 }),
          newJob({ maxAttempts: 3, priority: 2 }),
          newJob({ maxAttempts: 3, priority: 3 }),
          newJob({ maxAttempts: 3, priority: 4, runAt: at(100_000) }),
        ],
        now: at(0),
      })
      await claim(context.backend, { limit: 2, leaseMs: 1_000, now: at(0) })
      await claimOne(context.backend, { limit: 1, leaseMs: 60_000, now: at(0) })
      const now = at(2_000)
      expect(await context.backend.recoverExpiredLeases({ now, error: expiryError(now) })).toEqual({
        recovered: 1,
        failed: 1,
        cancelled: 0,
      })
      expect((await getJobOrFail(context.backend, capped as string)).state).toBe('failed')
      expect((await getJobOrFail(context.backend, open as string)).state).toBe('pending')
      expect((await getJobOrFail(context.backend, live as string)).state).toBe('active')
      expect((await getJobOrFail(context.backend, waiting as string)).state).toBe('pending')
    })

    it('a heartbeat moves the deadline: the job is not recovered at its first expiry', async () => {
      const id = await enqueueOne(context.backend)
      const job = await claimOne(context.backend, { leaseMs: 1_000, now: at(0) })
      const beat = await context.backend.heartbeatJobs({
        jobs: [{ id, leaseToken: job.leaseToken as string, leaseMs: 1_000 }],
        now: at(800),
      })
      expect(beat).toEqual({ applied: [id], lost: [], cancelRequested: [] })
      expect(
        await context.backend.recoverExpiredLeases({ now: at(1_500), error: expiryError(at(1_500)) }),
      ).toEqual({
        recovered: 0,
        failed: 0,
        cancelled: 0,
      })
      expect(
        await context.backend.recoverExpiredLeases({ now: at(1_801), error: expiryError(at(1_801)) }),
      ).toEqual({
        recovered: 1,
        failed: 0,
        cancelled: 0,
      })
    })
  })

  describe('release', () => {
    it('gives a job back: pending, due now, lease cleared, the attempt not counted', async () => {
      const id = await enqueueOne(context.backend, { runAt: at(0) })
      const job = await claimOne(context.backend, { now: at(0) })
      const now = at(7_000)
      expect(await context.backend.releaseJobs({ jobs: [endingRef(job)], now })).toEqual({
        applied: [id],
        lost: [],
        cancelRequested: [],
      })
      const released = await getJobOrFail(context.backend, id)
      expect(released).toMatchObject({
        state: 'pending',
        attempts: 0,
        leaseToken: null,
        leaseExpiresAt: null,
        workerId: null,
      })
      expectTime(released.runAt, now, 'runAt')
      expect(released.errors).toEqual([])
      expect(await claimOne(context.backend, { now })).toMatchObject({ id, attempts: 1 })
    })

    it('does not count the released attempt after earlier failures either', async () => {
      const id = await enqueueOne(context.backend, { maxAttempts: 2 })
      const first = await claimOne(context.backend, { now: at(0) })
      await context.backend.failJobs({
        jobs: [
          {
            ...endingRef(first),
            error: {
              attempt: 1,
              name: 'Error',
              message: 'x',
              code: null,
              stack: null,
              fatal: false,
              at: at(0),
            },
            retryAt: at(0),
          },
        ],
        now: at(0),
      })
      const second = await claimOne(context.backend, { now: at(1) })
      await context.backend.releaseJobs({
        jobs: [endingRef(second)],
        now: at(2),
      })
      expect(await getJobOrFail(context.backend, id)).toMatchObject({ state: 'pending', attempts: 1 })
      // The released attempt was not counted, so the last attempt is still available.
      expect(await claimOne(context.backend, { now: at(2) })).toMatchObject({ id, attempts: 2 })
    })
  })
}
