import type { Backend, DedupeScope, Job } from '@durabl/core'
import { describe, expect, it } from 'vitest'
import type { ConformanceContext } from './conformance-context.js'
import { at, claim, claimOne, endingRef, enqueueOne, getJobOrFail, jobError, newJob } from './fixtures.js'

async function enqueueKeyed(backend: Backend, dedupeKey: string, dedupeScope: DedupeScope, now = at(0)) {
  const [id] = await backend.enqueueJobs({ jobs: [newJob({ dedupeKey, dedupeScope })], now })
  return id ?? null
}

async function complete(backend: Backend, job: Job, now = at(1)) {
  const result = await backend.completeJobs({
    jobs: [{ id: job.id, leaseToken: job.leaseToken as string }],
    now,
  })
  expect(result.applied).toEqual([job.id])
}

export function describeDedupeTests(context: ConformanceContext): void {
  describe("dedupe scope 'pending+active'", () => {
    const scope: DedupeScope = 'pending+active'

    it('returns null for a second job with the key while the first is pending', async () => {
      const first = await enqueueKeyed(context.backend, 'user:1', scope)
      expect(typeof first).toBe('string')
      expect(await enqueueKeyed(context.backend, 'user:1', scope)).toBeNull()
      const pending = await context.backend.listJobs({ filter: { dedupeKey: 'user:1' }, limit: 10 })
      expect(pending.jobs.map((job) => job.id)).toEqual([first])
    })

    it('returns null while the first is active', async () => {
      await enqueueKeyed(context.backend, 'user:1', scope)
      await claimOne(context.backend)
      expect(await enqueueKeyed(context.backend, 'user:1', scope)).toBeNull()
    })

    it('accepts the key again once the holder completed, failed or was cancelled', async () => {
      await enqueueKeyed(context.backend, 'done', scope)
      await complete(context.backend, await claimOne(context.backend))
      expect(typeof (await enqueueKeyed(context.backend, 'done', scope, at(2)))).toBe('string')

      await enqueueKeyed(context.backend, 'failed', scope)
      const failing = (await claim(context.backend, { now: at(3) })).find(
        (job) => job.dedupeKey === 'failed',
      ) as Job
      const failed = await context.backend.failJobs({
        jobs: [
          {
            ...endingRef(failing),
            error: jobError(1, { fatal: true }),
            retryAt: null,
          },
        ],
        now: at(3),
      })
      expect(failed.failed).toEqual([failing.id])
      expect(typeof (await enqueueKeyed(context.backend, 'failed', scope, at(4)))).toBe('string')

      const cancelledId = (await enqueueKeyed(context.backend, 'cancelled', scope)) as string
      expect(await context.backend.cancelJobs({ ids: [cancelledId], now: at(5) })).toEqual([cancelledId])
      expect(typeof (await enqueueKeyed(context.backend, 'cancelled', scope, at(6)))).toBe('string')
    })

    it('dedupes within one batch and leaves other keys and unkeyed jobs alone', async () => {
      const ids = await context.backend.enqueueJobs({
        jobs: [
          newJob({ dedupeKey: 'a', dedupeScope: scope }),
          newJob({ dedupeKey: 'a', dedupeScope: scope }),
          newJob({ dedupeKey: 'b', dedupeScope: scope }),
          newJob(),
          newJob(),
        ],
        now: at(0),
      })
      expect(ids.map((id) => (id === null ? null : 'id'))).toEqual(['id', null, 'id', 'id', 'id'])
    })
  })

  describe("dedupe scope 'pending' (single-flight)", () => {
    const scope: DedupeScope = 'pending'

    it('keeps at most one pending job with the key', async () => {
      expect(typeof (await enqueueKeyed(context.backend, 'sync', scope))).toBe('string')
      expect(await enqueueKeyed(context.backend, 'sync', scope)).toBeNull()
    })

    it('accepts one more job while the first is active, then returns null', async () => {
      await enqueueKeyed(context.backend, 'sync', scope)
      await claimOne(context.backend)
      expect(typeof (await enqueueKeyed(context.backend, 'sync', scope, at(1)))).toBe('string')
      expect(await enqueueKeyed(context.backend, 'sync', scope, at(2))).toBeNull()
    })

    it('does not claim the pending job while another job with its key is active', async () => {
      await enqueueKeyed(context.backend, 'sync', scope)
      const running = await claimOne(context.backend)
      const queued = (await enqueueKeyed(context.backend, 'sync', scope, at(1))) as string
      const other = await enqueueOne(context.backend, {}, at(1))
      const claimed = await claim(context.backend, { workerId: 'worker-b', now: at(10) })
      expect(claimed.map((job) => job.id)).toEqual([other])
      expect((await getJobOrFail(context.backend, queued)).state).toBe('pending')

      await complete(context.backend, running, at(20))
      expect((await claimOne(context.backend, { now: at(20) })).id).toBe(queued)
    })

    it('lets the pending job run once the active one failed for good', async () => {
      await enqueueKeyed(context.backend, 'sync', scope)
      const running = await claimOne(context.backend)
      const queued = (await enqueueKeyed(context.backend, 'sync', scope, at(1))) as string
      await context.backend.failJobs({
        jobs: [
          {
            ...endingRef(running),
            error: jobError(1, { fatal: true }),
            retryAt: null,
          },
        ],
        now: at(2),
      })
      expect((await claimOne(context.backend, { now: at(3) })).id).toBe(queued)
    })
  })
}
