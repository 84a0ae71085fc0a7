import type { JobLogEntry } from '@durabl/core'
import { describe, expect, it } from 'vitest'
import type { ConformanceContext } from './conformance-context.js'
import { at, claimOne, endingRef, enqueueOne, expectTime, getJobOrFail, jobError } from './fixtures.js'

function logLines(count: number, from = 0): JobLogEntry[] {
  return Array.from({ length: count }, (_, index) => ({
    attempt: 1,
    message: `line ${from + index}`,
    at: at(index),
  }))
}

export function describeHeartbeatTests(context: ConformanceContext): void {
  describe('heartbeats, progress and logs', () => {
    it('extends the lease to now + leaseMs and stores progress and log lines', async () => {
      const id = await enqueueOne(context.backend)
      const job = await claimOne(context.backend, { leaseMs: 1_000, now: at(0) })
      const leaseToken = job.leaseToken as string
      const result = await context.backend.heartbeatJobs({
        jobs: [{ id, leaseToken, leaseMs: 4_000, progress: { percent: 10 }, logs: logLines(2) }],
        now: at(500),
      })
      expect(result).toEqual({ applied: [id], lost: [], cancelRequested: [] })
      let stored = await getJobOrFail(context.backend, id)
      expectTime(stored.leaseExpiresAt, at(4_500), 'leaseExpiresAt')
      expect(stored.progress).toEqual({ percent: 10 })
      expect(stored.logs.map((line) => line.message)).toEqual(['line 0', 'line 1'])
      expect(stored.leaseToken).toBe(leaseToken)

      await context.backend.heartbeatJobs({
        jobs: [{ id, leaseToken, leaseMs: 4_000, progress: { percent: 50 }, logs: logLines(1, 2) }],
        now: at(1_000),
      })
      stored = await getJobOrFail(context.backend, id)
      expect(stored.progress).toEqual({ percent: 50 })
      expect(stored.logs.map((line) => line.message)).toEqual(['line 0', 'line 1', 'line 2'])
    })

    it('keeps progress when a heartbeat sends none', async () => {
      const id = await enqueueOne(context.backend)
      const job = await claimOne(context.backend)
      const leaseToken = job.leaseToken as string
      await context.backend.heartbeatJobs({
        jobs: [{ id, leaseToken, leaseMs: 1_000, progress: 3 }],
        now: at(1),
      })
      await context.backend.heartbeatJobs({ jobs: [{ id, leaseToken, leaseMs: 1_000 }], now: at(2) })
      expect((await getJobOrFail(context.backend, id)).progress).toBe(3)
    })

    it('stores progress and logs sent with complete, fail and release', async () => {
      for (let index = 0; index < 3; index++) await enqueueOne(context.backend)
      // One claim at a time: a backend may return fewer jobs to concurrent claims.
      const toComplete = await claimOne(context.backend, { limit: 1 })
      const toFail = await claimOne(context.backend, { limit: 1 })
      const toRelease = await claimOne(context.backend, { limit: 1 })
      const updates = (message: string) => ({ progress: message, logs: [{ attempt: 1, message, at: at(1) }] })
      const now = at(1)
      const lease = endingRef
      await context.backend.completeJobs({
        jobs: [{ ...lease(toComplete), ...updates('done'), result: 'ok' }],
        now,
      })
      await context.backend.failJobs({
        jobs: [{ ...lease(toFail), ...updates('broke'), error: jobError(1), retryAt: now }],
        now,
      })
      await context.backend.releaseJobs({ jobs: [{ ...lease(toRelease), ...updates('paused') }], now })
      for (const [job, message] of [
        [toComplete, 'done'],
        [toFail, 'broke'],
        [toRelease, 'paused'],
      ] as const) {
        const stored = await getJobOrFail(context.backend, job.id)
        expect(stored.progress).toBe(message)
        expect(stored.logs.map((line) => line.message)).toEqual([message])
      }
    })

    it('caps the log, keeping the newest lines, oldest first', async () => {
      const cap = context.target.limits?.maxLogEntries
      const written = (cap ?? 500) + 20
      const id = await enqueueOne(context.backend)
      const job = await claimOne(context.backend)
      const leaseToken = job.leaseToken as string
      // Two writes, so a backend that caps only within one write is caught.
      await context.backend.heartbeatJobs({
        jobs: [{ id, leaseToken, leaseMs: 1_000, logs: logLines(10) }],
        now: at(1),
      })
      await context.backend.heartbeatJobs({
        jobs: [{ id, leaseToken, leaseMs: 1_000, logs: logLines(written - 10, 10) }],
        now: at(2),
      })
      const logs = (await getJobOrFail(context.backend, id)).logs
      if (cap !== undefined) expect(logs).toHaveLength(cap)
      else expect(logs.length).toBeLessThan(written)
      expect(logs.at(-1)?.message).toBe(`line ${written - 1}`)
      expect(logs[0]?.message).toBe(`line ${written - logs.length}`)
    })

    it('caps the error history, keeping the newest errors, oldest first', async () => {
      const cap = context.target.limits?.maxErrorHistory
      const failures = (cap ?? 50) + 5
      const id = await enqueueOne(context.backend, { maxAttempts: failures + 1 })
      for (let attempt = 1; attempt <= failures; attempt++) {
        const job = await claimOne(context.backend, { now: at(attempt) })
        await context.backend.failJobs({
          jobs: [
            {
              ...endingRef(job),
              error: jobError(attempt),
              retryAt: at(attempt),
            },
          ],
          now: at(attempt),
        })
      }
      const stored = await getJobOrFail(context.backend, id)
      if (cap !== undefined) expect(stored.errors).toHaveLength(cap)
      else expect(stored.errors.length).toBeLessThan(failures)
      expect(stored.errors.at(-1)?.attempt).toBe(failures)
      expect(stored.errors[0]?.attempt).toBe(failures - stored.errors.length + 1)
      expect(stored.lastError?.attempt).toBe(failures)
    })
  })
}
