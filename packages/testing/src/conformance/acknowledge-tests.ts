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
  keyedJob,
} from './fixtures.js'

/**
 * The ending writes carry the end state the caller decided under its lease (retry or fail for
 * good) and the job's dedupe key and scope, so a backend writes them without reading the job, and
 * `acknowledgeJobs` writes a mixed batch of them as the three single-kind methods would.
 */
export function describeAcknowledgeTests(context: ConformanceContext): void {
  describe('acknowledgements', () => {
    it('fails a job for good when the caller decided so, even with attempts left', async () => {
      const id = await enqueueOne(context.backend, { maxAttempts: 5 })
      const job = await claimOne(context.backend, { now: at(0) })
      const result = await context.backend.failJobs({
        jobs: [{ ...endingRef(job), error: jobError(1), retryAt: null }],
        now: at(10),
      })
      expect(result).toEqual({ retried: [], failed: [id], lost: [], cancelRequested: [] })
      const stored = await getJobOrFail(context.backend, id)
      expect(stored).toMatchObject({ state: 'failed', attempts: 1, leaseToken: null })
      expectTime(stored.finishedAt, at(10), 'finishedAt')
    })

    it('changes nothing when the dedupe key or scope named does not match the job', async () => {
      const [id] = await context.backend.enqueueJobs({ jobs: [keyedJob('k', 'pending')], now: at(0) })
      const job = await claimOne(context.backend, { now: at(0) })
      const wrongKey = { ...endingRef(job), dedupeKey: 'other' }
      const wrongScope = { ...endingRef(job), dedupeScope: 'pending+active' as const }
      expect(
        await context.backend.failJobs({
          jobs: [{ ...wrongKey, error: jobError(1), retryAt: null }],
          now: at(1),
        }),
      ).toEqual({ retried: [], failed: [], lost: [id], cancelRequested: [] })
      expect(await context.backend.releaseJobs({ jobs: [wrongScope], now: at(1) })).toEqual({
        applied: [],
        lost: [id],
        cancelRequested: [],
      })
      expect(await getJobOrFail(context.backend, id as string)).toMatchObject({
        state: 'active',
        leaseToken: job.leaseToken,
      })
    })

    it('writes a mixed batch of completions, failures and releases, each as its own method would', async () => {
      for (let index = 0; index < 5; index++) await enqueueOne(context.backend, { maxAttempts: 3 })
      const [toComplete, toRetry, toFail, toRelease, stale] = await claim(context.backend, {
        limit: 5,
        now: at(0),
      })
      const now = at(100)
      const result = await context.backend.acknowledgeJobs({
        complete: [
          { ...endingRef(toComplete!), result: 'ok' },
          { ...endingRef(stale!), leaseToken: 'not-the-lease', result: 'stale' },
        ],
        fail: [
          { ...endingRef(toRetry!), error: jobError(1), retryAt: at(5_000) },
          { ...endingRef(toFail!), error: jobError(1, { fatal: true }), retryAt: null },
        ],
        release: [endingRef(toRelease!)],
        now,
      })
      expect(result).toEqual({
        complete: { applied: [toComplete!.id], lost: [stale!.id] },
        fail: { retried: [toRetry!.id], failed: [toFail!.id], lost: [], cancelRequested: [] },
        release: { applied: [toRelease!.id], lost: [], cancelRequested: [] },
        cancel: { applied: [], lost: [] },
      })
      expect(await getJobOrFail(context.backend, toComplete!.id)).toMatchObject({
        state: 'completed',
        result: 'ok',
      })
      const retried = await getJobOrFail(context.backend, toRetry!.id)
      expect(retried).toMatchObject({ state: 'pending', attempts: 1 })
      expectTime(retried.runAt, at(5_000), 'runAt')
      expect(await getJobOrFail(context.backend, toFail!.id)).toMatchObject({ state: 'failed' })
      expect(await getJobOrFail(context.backend, toRelease!.id)).toMatchObject({
        state: 'pending',
        attempts: 0,
      })
      expect(await getJobOrFail(context.backend, stale!.id)).toMatchObject({ state: 'active' })
      expect((await claim(context.backend, { now: at(200) })).map((job) => job.id)).toEqual([toRelease!.id])
    })

    it('answers an empty batch with empty results', async () => {
      expect(
        await context.backend.acknowledgeJobs({ complete: [], fail: [], release: [], now: at(0) }),
      ).toEqual({
        complete: { applied: [], lost: [] },
        fail: { retried: [], failed: [], lost: [], cancelRequested: [] },
        release: { applied: [], lost: [], cancelRequested: [] },
        cancel: { applied: [], lost: [] },
      })
    })
  })
}
