import type { Job } from '@durabl/core'
import { describe, expect, it } from 'vitest'
import type { ConformanceContext } from './conformance-context.js'
import {
  at,
  claimOne,
  endingRef,
  enqueueOne,
  expectTime,
  getJobOrFail,
  jobError,
  missingId,
  WORKER_A,
  WORKER_B,
} from './fixtures.js'

const STALE_TOKEN = 'not-the-current-lease-token'

export function describeFencingTests(context: ConformanceContext): void {
  /** Worker A claims with a 1 s lease; it expires, recovery runs, and worker B claims the job. */
  async function stealJob(): Promise<{ stale: Job; current: Job }> {
    await enqueueOne(context.backend, { maxAttempts: 5 })
    const stale = await claimOne(context.backend, { leaseMs: 1_000, workerId: WORKER_A, now: at(0) })
    const recovered = await context.backend.recoverExpiredLeases({
      now: at(2_000),
      error: {
        name: 'LeaseExpiredError',
        message: 'lease expired',
        code: null,
        stack: null,
        fatal: false,
        at: at(2_000),
      },
    })
    expect(recovered).toEqual({ recovered: 1, failed: 0, cancelled: 0 })
    const current = await claimOne(context.backend, { workerId: WORKER_B, now: at(2_000) })
    expect(current.id).toBe(stale.id)
    expect(current.leaseToken).not.toBe(stale.leaseToken)
    return { stale, current }
  }

  describe('fencing', () => {
    it('a wrong lease token can neither complete, fail, heartbeat nor release, and changes nothing', async () => {
      await enqueueOne(context.backend)
      const job = await claimOne(context.backend, { leaseMs: 10_000 })
      const ref = { ...endingRef(job), leaseToken: STALE_TOKEN }
      const now = at(100)
      expect(await context.backend.completeJobs({ jobs: [{ ...ref, result: 'stale' }], now })).toEqual({
        applied: [],
        lost: [job.id],
      })
      expect(
        await context.backend.failJobs({
          jobs: [{ ...ref, error: jobError(1), retryAt: null }],
          now,
        }),
      ).toEqual({ retried: [], failed: [], lost: [job.id], cancelRequested: [] })
      expect(
        await context.backend.heartbeatJobs({ jobs: [{ ...ref, leaseMs: 60_000, progress: 'stale' }], now }),
      ).toEqual({ applied: [], lost: [job.id], cancelRequested: [] })
      expect(await context.backend.releaseJobs({ jobs: [ref], now })).toEqual({
        applied: [],
        lost: [job.id],
        cancelRequested: [],
      })
      const stored = await getJobOrFail(context.backend, job.id)
      expect(stored).toMatchObject({ state: 'active', attempts: 1, leaseToken: job.leaseToken, result: null })
      expect(stored.errors).toEqual([])
      expect(stored.progress ?? null).toBeNull()
      expectTime(stored.leaseExpiresAt, at(10_000), 'leaseExpiresAt')
    })

    it('after recovery and a new claim, the old owner can neither complete, fail, heartbeat nor release', async () => {
      const { stale, current } = await stealJob()
      const ref = endingRef(stale)
      const now = at(2_500)
      expect(
        (await context.backend.completeJobs({ jobs: [{ ...ref, result: 'from A' }], now })).lost,
      ).toEqual([stale.id])
      expect(
        (
          await context.backend.failJobs({
            jobs: [{ ...ref, error: jobError(1), retryAt: null }],
            now,
          })
        ).lost,
      ).toEqual([stale.id])
      expect((await context.backend.heartbeatJobs({ jobs: [{ ...ref, leaseMs: 1_000 }], now })).lost).toEqual(
        [stale.id],
      )
      expect((await context.backend.releaseJobs({ jobs: [ref], now })).lost).toEqual([stale.id])
      const stored = await getJobOrFail(context.backend, stale.id)
      expect(stored).toMatchObject({
        state: 'active',
        attempts: 2,
        workerId: WORKER_B,
        leaseToken: current.leaseToken,
      })
    })

    it("the new owner's outcome stands", async () => {
      const { stale, current } = await stealJob()
      const now = at(3_000)
      await context.backend.completeJobs({
        jobs: [{ id: stale.id, leaseToken: stale.leaseToken as string, result: 'A' }],
        now,
      })
      expect(
        await context.backend.completeJobs({
          jobs: [{ id: current.id, leaseToken: current.leaseToken as string, result: 'B' }],
          now,
        }),
      ).toEqual({ applied: [current.id], lost: [] })
      expect(await getJobOrFail(context.backend, current.id)).toMatchObject({
        state: 'completed',
        result: 'B',
      })
    })

    it('a finished job cannot be completed or failed again with its old token', async () => {
      await enqueueOne(context.backend)
      const job = await claimOne(context.backend)
      const ref = endingRef(job)
      expect(
        (await context.backend.completeJobs({ jobs: [{ ...ref, result: 1 }], now: at(1) })).applied,
      ).toEqual([job.id])
      expect(
        (await context.backend.completeJobs({ jobs: [{ ...ref, result: 2 }], now: at(2) })).lost,
      ).toEqual([job.id])
      expect(
        (
          await context.backend.failJobs({
            jobs: [{ ...ref, error: jobError(1), retryAt: at(2) }],
            now: at(2),
          })
        ).lost,
      ).toEqual([job.id])
      expect(await getJobOrFail(context.backend, job.id)).toMatchObject({
        state: 'completed',
        result: 1,
        errors: [],
      })
    })

    it('reports each id of a mixed batch in exactly one list', async () => {
      await enqueueOne(context.backend)
      await enqueueOne(context.backend)
      const first = await claimOne(context.backend, { limit: 1 })
      const second = await claimOne(context.backend, { limit: 1 })
      const unknown = await missingId(context.backend)
      const result = await context.backend.completeJobs({
        jobs: [
          { id: first.id, leaseToken: first.leaseToken as string },
          { id: second.id, leaseToken: STALE_TOKEN },
          { id: unknown, leaseToken: STALE_TOKEN },
        ],
        now: at(1),
      })
      expect(result.applied).toEqual([first.id])
      expect([...result.lost].sort()).toEqual([second.id, unknown].sort())
    })
  })
}
