import type { Backend, Job } from '@durabl/core'
import { describe, expect, it } from 'vitest'
import type { ConformanceContext } from './conformance-context.js'
import { at, claim, claimOne, endingRef, enqueueOne, expectTime, getJobOrFail, jobError } from './fixtures.js'

/** Claims the job at `now` and fails the attempt; returns the fail result. */
async function claimAndFail(backend: Backend, now: Date, options: { fatal?: boolean; retryAt?: Date } = {}) {
  const job: Job = await claimOne(backend, { now })
  return backend.failJobs({
    jobs: [
      {
        ...endingRef(job),
        error: jobError(job.attempts, { at: now, fatal: options.fatal ?? false }),
        // The caller decides the end state, as the runtime does: fatal or out of attempts fails.
        retryAt: options.fatal || job.attempts >= job.maxAttempts ? null : (options.retryAt ?? now),
      },
    ],
    now,
  })
}

export function describeRetryTests(context: ConformanceContext): void {
  describe('retries and backoff', () => {
    it('puts a failed attempt with attempts left back to pending, due at retryAt, with the error recorded', async () => {
      const id = await enqueueOne(context.backend, { maxAttempts: 3 })
      const result = await claimAndFail(context.backend, at(100), { retryAt: at(10_000) })
      expect(result).toEqual({ retried: [id], failed: [], lost: [], cancelRequested: [] })
      const job = await getJobOrFail(context.backend, id)
      expect(job).toMatchObject({
        state: 'pending',
        attempts: 1,
        leaseToken: null,
        leaseExpiresAt: null,
        workerId: null,
      })
      expectTime(job.runAt, at(10_000), 'runAt')
      expect(job.finishedAt).toBeNull()
      expect(job.lastError).toMatchObject({
        attempt: 1,
        name: 'Error',
        message: 'attempt 1 failed',
        fatal: false,
      })
      expectTime(job.lastError?.at, at(100), 'lastError.at')
      expect(job.errors.map((error) => error.attempt)).toEqual([1])
    })

    it('honours retryAt: the retry is claimed only from then on, as the next attempt', async () => {
      const id = await enqueueOne(context.backend)
      await claimAndFail(context.backend, at(0), { retryAt: at(5_000) })
      expect(await claim(context.backend, { now: at(4_999) })).toEqual([])
      const retry = await claimOne(context.backend, { now: at(5_000) })
      expect(retry).toMatchObject({ id, attempts: 2, state: 'active' })
    })

    it('keeps every error in order across attempts', async () => {
      const id = await enqueueOne(context.backend, { maxAttempts: 5 })
      await claimAndFail(context.backend, at(0))
      await claimAndFail(context.backend, at(1))
      await claimAndFail(context.backend, at(2))
      const job = await getJobOrFail(context.backend, id)
      expect(job.errors.map((error) => error.attempt)).toEqual([1, 2, 3])
      expect(job.lastError?.attempt).toBe(3)
    })
  })

  describe('attempt caps', () => {
    it('fails the job for good when the last attempt fails', async () => {
      const id = await enqueueOne(context.backend, { maxAttempts: 2 })
      expect((await claimAndFail(context.backend, at(0))).retried).toEqual([id])
      const result = await claimAndFail(context.backend, at(1_000), { retryAt: at(5_000) })
      expect(result).toEqual({ retried: [], failed: [id], lost: [], cancelRequested: [] })
      const job = await getJobOrFail(context.backend, id)
      expect(job).toMatchObject({ state: 'failed', attempts: 2, leaseToken: null, workerId: null })
      expectTime(job.finishedAt, at(1_000), 'finishedAt')
      expect(job.errors.map((error) => error.attempt)).toEqual([1, 2])
      expect(await claim(context.backend, { now: at(10_000) })).toEqual([])
    })

    it('fails a job with maxAttempts 1 on its first failure', async () => {
      const id = await enqueueOne(context.backend, { maxAttempts: 1 })
      expect(await claimAndFail(context.backend, at(0))).toEqual({
        retried: [],
        failed: [id],
        lost: [],
        cancelRequested: [],
      })
      expect((await getJobOrFail(context.backend, id)).state).toBe('failed')
    })
  })

  describe('unrecoverable failures', () => {
    it('fails a fatal failure at once, whatever attempts remain', async () => {
      const id = await enqueueOne(context.backend, { maxAttempts: 10 })
      const result = await claimAndFail(context.backend, at(0), { fatal: true, retryAt: at(1_000) })
      expect(result).toEqual({ retried: [], failed: [id], lost: [], cancelRequested: [] })
      const job = await getJobOrFail(context.backend, id)
      expect(job).toMatchObject({ state: 'failed', attempts: 1 })
      expect(job.lastError?.fatal).toBe(true)
      expectTime(job.finishedAt, at(0), 'finishedAt')
      expect(await claim(context.backend, { now: at(5_000) })).toEqual([])
    })
  })
}
