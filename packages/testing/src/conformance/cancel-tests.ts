import type { Job, JobError } from '@durabl/core'
import { describe, expect, it } from 'vitest'
import type { ConformanceContext } from './conformance-context.js'
import {
  at,
  claim,
  claimOne,
  endingRef,
  enqueueOne,
  expectTime,
  getJobOrFail,
  jobError,
  newJob,
  sortedIds,
} from './fixtures.js'

/** What the runtime records on a job it ends `cancelled`. */
function cancelError(attempt: number): JobError {
  return jobError(attempt, { name: 'JobCancelledError', code: 'JOB_CANCELLED', fatal: true })
}

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

export function describeCancelTests(context: ConformanceContext): void {
  /** Claims one job with a 10 s lease at 0 and requests its cancel at 100. */
  async function runningWithCancelRequest(overrides: Parameters<typeof enqueueOne>[1] = {}): Promise<Job> {
    const id = await enqueueOne(context.backend, overrides)
    const job = await claimOne(context.backend, { leaseMs: 10_000, now: at(0) })
    expect(job.id).toBe(id)
    expect(await context.backend.cancelJobs({ ids: [id], now: at(100) })).toEqual([id])
    return job
  }

  async function acknowledgeCancel(job: Job, now: Date, leaseToken = job.leaseToken as string) {
    return context.backend.acknowledgeJobs({
      complete: [],
      fail: [],
      release: [],
      cancel: [{ id: job.id, leaseToken, error: cancelError(job.attempts) }],
      now,
    })
  }

  describe('cancelling a running job', () => {
    it('stores a cancel request: the job stays active under its lease, and a second request changes nothing', async () => {
      const job = await runningWithCancelRequest()
      const stored = await getJobOrFail(context.backend, job.id)
      expect(stored).toMatchObject({ state: 'active', leaseToken: job.leaseToken, finishedAt: null })
      expectTime(stored.cancelRequestedAt, at(100), 'cancelRequestedAt')
      expectTime(stored.leaseExpiresAt, at(10_000), 'leaseExpiresAt')
      expect(await context.backend.cancelJobs({ ids: [job.id], now: at(200) })).toEqual([])
      expectTime(
        (await getJobOrFail(context.backend, job.id)).cancelRequestedAt,
        at(100),
        'cancelRequestedAt',
      )
    })

    it('selects by state: a pending-only filter leaves active jobs, an active-only one leaves pending jobs', async () => {
      const running = await enqueueOne(context.backend)
      expect((await claimOne(context.backend)).id).toBe(running)
      const waiting = await enqueueOne(context.backend)
      expect(await context.backend.cancelJobs({ filter: { state: 'pending' }, now: at(1) })).toEqual([
        waiting,
      ])
      expect((await getJobOrFail(context.backend, running)).cancelRequestedAt).toBeNull()
      const later = await enqueueOne(context.backend)
      expect(await context.backend.cancelJobs({ filter: { state: 'active' }, now: at(2) })).toEqual([running])
      expect((await getJobOrFail(context.backend, later)).state).toBe('pending')
    })

    it("the holder's heartbeat reports the request and writes nothing; other leases in the batch extend", async () => {
      const job = await runningWithCancelRequest()
      const otherId = await enqueueOne(context.backend)
      const other = await claimOne(context.backend, { leaseMs: 10_000, now: at(0) })
      expect(other.id).toBe(otherId)
      const result = await context.backend.heartbeatJobs({
        jobs: [
          { id: job.id, leaseToken: job.leaseToken as string, leaseMs: 60_000, progress: 'ignored' },
          { id: other.id, leaseToken: other.leaseToken as string, leaseMs: 60_000 },
        ],
        now: at(500),
      })
      expect(result).toEqual({ applied: [other.id], lost: [], cancelRequested: [job.id] })
      const stored = await getJobOrFail(context.backend, job.id)
      expectTime(stored.leaseExpiresAt, at(10_000), 'leaseExpiresAt')
      expect(stored.progress ?? null).toBeNull()
      expectTime((await getJobOrFail(context.backend, other.id)).leaseExpiresAt, at(60_500), 'leaseExpiresAt')
    })

    it('the holder ends it cancelled: finishedAt, lease cleared, error and logs recorded, attempts kept', async () => {
      const job = await runningWithCancelRequest({ maxAttempts: 3 })
      const result = await context.backend.acknowledgeJobs({
        complete: [],
        fail: [],
        release: [],
        cancel: [
          {
            id: job.id,
            leaseToken: job.leaseToken as string,
            error: cancelError(1),
            progress: 'stopped',
            logs: [{ attempt: 1, message: 'stopping', at: at(300) }],
          },
        ],
        now: at(300),
      })
      expect(result.cancel).toEqual({ applied: [job.id], lost: [] })
      const stored = await getJobOrFail(context.backend, job.id)
      expect(stored).toMatchObject({
        state: 'cancelled',
        attempts: 1,
        leaseToken: null,
        leaseExpiresAt: null,
        workerId: null,
        result: null,
        progress: 'stopped',
      })
      expectTime(stored.finishedAt, at(300), 'finishedAt')
      expect(stored.lastError).toMatchObject({ attempt: 1, code: 'JOB_CANCELLED', fatal: true })
      expect(stored.errors).toHaveLength(1)
      expect(stored.logs.map((line) => line.message)).toEqual(['stopping'])
      expect(await claim(context.backend, { now: at(1_000_000) })).toEqual([])
    })

    it("frees the job's dedupe slots as other terminal writes do", async () => {
      const queuedBehind = { dedupeKey: 'single', dedupeScope: 'pending' as const }
      const job = await runningWithCancelRequest(queuedBehind)
      const next = await enqueueOne(context.backend, queuedBehind, at(150))
      expect(await claim(context.backend, { now: at(200) })).toEqual([])
      await acknowledgeCancel(job, at(300))
      expect((await claimOne(context.backend, { now: at(400) })).id).toBe(next)

      const exclusive = { dedupeKey: 'exclusive', dedupeScope: 'pending+active' as const }
      const held = await enqueueOne(context.backend, exclusive, at(500))
      const running = await claimOne(context.backend, { now: at(500) })
      expect(running.id).toBe(held)
      await context.backend.cancelJobs({ ids: [held], now: at(600) })
      // Only requested: the running job still holds its key.
      expect(await context.backend.enqueueJobs({ jobs: [newJob(exclusive)], now: at(600) })).toEqual([null])
      await acknowledgeCancel(running, at(700))
      expect(typeof (await enqueueOne(context.backend, exclusive, at(800)))).toBe('string')
    })

    it('once cancelled, the old lease can neither complete, fail, heartbeat, release nor cancel again', async () => {
      const job = await runningWithCancelRequest()
      expect((await acknowledgeCancel(job, at(300))).cancel.applied).toEqual([job.id])
      const ref = endingRef(job)
      const now = at(400)
      expect(await context.backend.completeJobs({ jobs: [{ ...ref, result: 'late' }], now })).toEqual({
        applied: [],
        lost: [job.id],
      })
      expect(
        await context.backend.failJobs({ jobs: [{ ...ref, error: jobError(1), retryAt: now }], now }),
      ).toEqual({ retried: [], failed: [], lost: [job.id], cancelRequested: [] })
      expect(await context.backend.heartbeatJobs({ jobs: [{ ...ref, leaseMs: 1_000 }], now })).toEqual({
        applied: [],
        lost: [job.id],
        cancelRequested: [],
      })
      expect(await context.backend.releaseJobs({ jobs: [ref], now })).toEqual({
        applied: [],
        lost: [job.id],
        cancelRequested: [],
      })
      expect((await acknowledgeCancel(job, now)).cancel).toEqual({ applied: [], lost: [job.id] })
      expect(await getJobOrFail(context.backend, job.id)).toMatchObject({ state: 'cancelled', result: null })
    })

    it('a cancel with a wrong lease token changes nothing', async () => {
      const job = await runningWithCancelRequest()
      expect((await acknowledgeCancel(job, at(300), 'not-the-lease-token')).cancel).toEqual({
        applied: [],
        lost: [job.id],
      })
      expect(await getJobOrFail(context.backend, job.id)).toMatchObject({
        state: 'active',
        leaseToken: job.leaseToken,
      })
    })

    it('refuses a retry or a release of it (the lease stays held), so a claim never starts it again', async () => {
      const toRetry = await runningWithCancelRequest()
      const toRelease = await runningWithCancelRequest()
      const now = at(300)
      expect(
        await context.backend.failJobs({
          jobs: [{ ...endingRef(toRetry), error: jobError(1), retryAt: now }],
          now,
        }),
      ).toEqual({ retried: [], failed: [], lost: [], cancelRequested: [toRetry.id] })
      expect(await context.backend.releaseJobs({ jobs: [endingRef(toRelease)], now })).toEqual({
        applied: [],
        lost: [],
        cancelRequested: [toRelease.id],
      })
      for (const job of [toRetry, toRelease]) {
        const stored = await getJobOrFail(context.backend, job.id)
        expect(stored).toMatchObject({ state: 'active', attempts: 1, leaseToken: job.leaseToken, errors: [] })
      }
      expect(await claim(context.backend, { now: at(5_000) })).toEqual([])
    })

    it('lets the job finish first: a completion or a failure for good still applies', async () => {
      const toComplete = await runningWithCancelRequest()
      const toFail = await runningWithCancelRequest()
      const result = await context.backend.acknowledgeJobs({
        complete: [{ ...endingRef(toComplete), result: 'done' }],
        fail: [{ ...endingRef(toFail), error: jobError(1, { fatal: true }), retryAt: null }],
        release: [],
        now: at(300),
      })
      expect(result.complete).toEqual({ applied: [toComplete.id], lost: [] })
      expect(result.fail).toEqual({ retried: [], failed: [toFail.id], lost: [], cancelRequested: [] })
      expect(result.cancel).toEqual({ applied: [], lost: [] })
      expect(await getJobOrFail(context.backend, toComplete.id)).toMatchObject({ state: 'completed' })
      expect(await getJobOrFail(context.backend, toFail.id)).toMatchObject({ state: 'failed' })
    })

    it('recovery cancels it when its lease expires (the worker died), whatever its attempts', async () => {
      const withAttemptsLeft = await runningWithCancelRequest({ maxAttempts: 3 })
      const atCap = await runningWithCancelRequest({ maxAttempts: 1 })
      const plain = await enqueueOne(context.backend)
      await claimOne(context.backend, { leaseMs: 10_000, now: at(0) })
      const now = at(10_001)
      expect(await context.backend.recoverExpiredLeases({ now, error: expiryError(now) })).toEqual({
        recovered: 1,
        failed: 0,
        cancelled: 2,
      })
      for (const job of [withAttemptsLeft, atCap]) {
        const stored = await getJobOrFail(context.backend, job.id)
        expect(stored).toMatchObject({ state: 'cancelled', attempts: 1, leaseToken: null, workerId: null })
        expectTime(stored.finishedAt, now, 'finishedAt')
        expect(stored.lastError).toMatchObject({ attempt: 1, code: 'LEASE_EXPIRED', fatal: true })
      }
      expect((await getJobOrFail(context.backend, plain)).state).toBe('pending')
      expect(sortedIds(await claim(context.backend, { now }))).toEqual([plain])
    })

    it('a rerun clears the request: the job runs and heartbeats normally', async () => {
      const job = await runningWithCancelRequest()
      await acknowledgeCancel(job, at(300))
      expect(await context.backend.retryJobs({ ids: [job.id], now: at(400) })).toEqual([job.id])
      expect((await getJobOrFail(context.backend, job.id)).cancelRequestedAt).toBeNull()
      const again = await claimOne(context.backend, { now: at(400) })
      expect(again.id).toBe(job.id)
      expect(
        await context.backend.heartbeatJobs({
          jobs: [{ id: job.id, leaseToken: again.leaseToken as string, leaseMs: 1_000 }],
          now: at(500),
        }),
      ).toEqual({ applied: [job.id], lost: [], cancelRequested: [] })
    })
  })
}
