import { describe, expect, it } from 'vitest'
import type { ConformanceContext } from './conformance-context.js'
import { at, claim, expectTime, getJobOrFail, keyedJob, WORKER_A, WORKER_B } from './fixtures.js'

export function describeClaimOrEnqueueTests(context: ConformanceContext): void {
  const claimOrEnqueue = (
    dedupeKey: string,
    scope: 'pending' | 'pending+active',
    now = at(0),
    workerId = WORKER_A,
  ) => context.backend.claimOrEnqueue({ job: keyedJob(dedupeKey, scope), leaseMs: 5_000, workerId, now })

  describe('claimOrEnqueue (single-flight)', () => {
    it('writes the job already claimed when no job with the key exists', async () => {
      const result = await claimOrEnqueue('report', 'pending', at(100))
      expect(result.outcome).toBe('claimed')
      if (result.outcome !== 'claimed') return
      expect(result.job).toMatchObject({
        state: 'active',
        attempts: 1,
        workerId: WORKER_A,
        dedupeKey: 'report',
      })
      expect(typeof result.job.leaseToken).toBe('string')
      expectTime(result.job.startedAt, at(100), 'startedAt')
      expectTime(result.job.leaseExpiresAt, at(5_100), 'leaseExpiresAt')
      expect(await getJobOrFail(context.backend, result.job.id)).toMatchObject({
        state: 'active',
        leaseToken: result.job.leaseToken,
      })
      const completed = await context.backend.completeJobs({
        jobs: [{ id: result.job.id, leaseToken: result.job.leaseToken as string, result: 'inline' }],
        now: at(200),
      })
      expect(completed.applied).toEqual([result.job.id])
    })

    it("enqueues behind the active job when the scope is 'pending', and keeps it waiting", async () => {
      const first = await claimOrEnqueue('report', 'pending')
      expect(first.outcome).toBe('claimed')
      const second = await claimOrEnqueue('report', 'pending', at(10), WORKER_B)
      expect(second.outcome).toBe('enqueued')
      if (second.outcome !== 'enqueued') return
      const queued = await getJobOrFail(context.backend, second.id)
      expect(queued).toMatchObject({ state: 'pending', attempts: 0, dedupeKey: 'report' })
      expect(await claim(context.backend, { now: at(20) })).toEqual([])
    })

    it("reports a duplicate when one job with the key is active and another pending (scope 'pending')", async () => {
      await claimOrEnqueue('report', 'pending')
      await claimOrEnqueue('report', 'pending', at(1))
      expect(await claimOrEnqueue('report', 'pending', at(2))).toEqual({ outcome: 'duplicate' })
    })

    it("reports a duplicate while a job with the key is active (scope 'pending+active')", async () => {
      await claimOrEnqueue('report', 'pending+active')
      expect(await claimOrEnqueue('report', 'pending+active', at(1))).toEqual({ outcome: 'duplicate' })
    })

    it("reports a duplicate while a job with the key is pending (scope 'pending+active')", async () => {
      const [id] = await context.backend.enqueueJobs({
        jobs: [keyedJob('report', 'pending+active', { runAt: at(60_000) })],
        now: at(0),
      })
      expect(typeof id).toBe('string')
      expect(await claimOrEnqueue('report', 'pending+active', at(1))).toEqual({ outcome: 'duplicate' })
    })

    it('claims again once the active job finished', async () => {
      const first = await claimOrEnqueue('report', 'pending+active')
      if (first.outcome !== 'claimed') throw new Error(`expected claimed, got ${first.outcome}`)
      await context.backend.completeJobs({
        jobs: [{ id: first.job.id, leaseToken: first.job.leaseToken as string }],
        now: at(1),
      })
      const second = await claimOrEnqueue('report', 'pending+active', at(2))
      expect(second.outcome).toBe('claimed')
    })
  })
}
