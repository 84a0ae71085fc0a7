import type { Backend, Job, JobFilter } from '@durabl/core'
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
  JOB_TYPE,
  jobError,
  OTHER_TYPE,
  sortedIds,
} from './fixtures.js'

async function listAll(backend: Backend, filter: JobFilter | undefined, limit = 100): Promise<Job[]> {
  const jobs: Job[] = []
  let cursor: string | null = null
  for (let page = 0; page < 1_000; page++) {
    const result = await backend.listJobs({ filter, limit, cursor })
    jobs.push(...result.jobs)
    if (result.nextCursor === null) return jobs
    cursor = result.nextCursor
  }
  throw new Error('listJobs never returned a null nextCursor')
}

/** One job in each state: pending, active, completed (at 10), failed (at 20), cancelled (at 30). */
async function seedStates(backend: Backend) {
  const completed = await enqueueOne(backend, {
    priority: 1,
    dedupeKey: 'k-completed',
    dedupeScope: 'pending+active',
  })
  const failed = await enqueueOne(backend, { priority: 2, maxAttempts: 1, type: OTHER_TYPE })
  const active = await enqueueOne(backend, { priority: 3 })
  const cancelled = await enqueueOne(backend, { priority: 4 })
  const pending = await enqueueOne(backend, { priority: 5, runAt: at(1_000_000) })
  const [toComplete, toFail, running] = await claim(backend, { types: [JOB_TYPE, OTHER_TYPE], limit: 3 })
  expect([toComplete?.id, toFail?.id, running?.id]).toEqual([completed, failed, active])
  await backend.completeJobs({
    jobs: [{ id: completed, leaseToken: toComplete!.leaseToken as string }],
    now: at(10),
  })
  await backend.failJobs({
    jobs: [
      {
        ...endingRef(toFail!),
        error: jobError(1, { fatal: true }),
        retryAt: null,
      },
    ],
    now: at(20),
  })
  await backend.cancelJobs({ ids: [cancelled], now: at(30) })
  return { pending, active, completed, failed, cancelled }
}

export function describeAdminTests(context: ConformanceContext): void {
  describe('listJobs', () => {
    it('lists newest first and pages through every job exactly once', async () => {
      const ids: string[] = []
      for (let index = 0; index < 7; index++) ids.push(await enqueueOne(context.backend, { data: { index } }))
      const first = await context.backend.listJobs({ limit: 3 })
      expect(first.jobs.map((job) => job.id)).toEqual(ids.slice(-3).reverse())
      expect(typeof first.nextCursor).toBe('string')
      const all = await listAll(context.backend, undefined, 3)
      expect(all.map((job) => job.id)).toEqual([...ids].reverse())
    })

    it('returns a null cursor when the page holds the last job', async () => {
      await enqueueOne(context.backend)
      await enqueueOne(context.backend)
      const page = await context.backend.listJobs({ limit: 2 })
      expect(page.jobs).toHaveLength(2)
      expect(page.nextCursor).toBeNull()
      expect(await context.backend.listJobs({ limit: 5, filter: { type: 'conformance-none' } })).toEqual({
        jobs: [],
        nextCursor: null,
      })
    })

    it('filters by state, type, dedupe key and finish time', async () => {
      const ids = await seedStates(context.backend)
      const list = async (filter: JobFilter) => sortedIds(await listAll(context.backend, filter, 2))
      expect(await list({ state: 'pending' })).toEqual([ids.pending])
      expect(await list({ state: ['completed', 'failed'] })).toEqual(sortedIds([ids.completed, ids.failed]))
      expect(await list({ type: OTHER_TYPE })).toEqual([ids.failed])
      expect(await list({ type: [OTHER_TYPE, JOB_TYPE] })).toHaveLength(5)
      expect(await list({ dedupeKey: 'k-completed' })).toEqual([ids.completed])
      expect(await list({ finishedBefore: at(25) })).toEqual(sortedIds([ids.completed, ids.failed]))
      expect(await list({ finishedBefore: at(31) })).toEqual(
        sortedIds([ids.completed, ids.failed, ids.cancelled]),
      )
      expect(await list({ state: 'failed', finishedBefore: at(15) })).toEqual([])
    })
  })

  describe('cancelJobs', () => {
    it('cancels pending jobs, requests the cancel of active ones, leaves finished ones, and returns both', async () => {
      const ids = await seedStates(context.backend)
      const all = [ids.pending, ids.active, ids.completed, ids.failed, ids.cancelled]
      expect(sortedIds(await context.backend.cancelJobs({ ids: all, now: at(40) }))).toEqual(
        sortedIds([ids.pending, ids.active]),
      )
      const cancelled = await getJobOrFail(context.backend, ids.pending)
      expect(cancelled.state).toBe('cancelled')
      expectTime(cancelled.finishedAt, at(40), 'finishedAt')
      const active = await getJobOrFail(context.backend, ids.active)
      expect(active).toMatchObject({ state: 'active', finishedAt: null })
      expectTime(active.cancelRequestedAt, at(40), 'cancelRequestedAt')
      expect((await getJobOrFail(context.backend, ids.completed)).state).toBe('completed')
      expect((await getJobOrFail(context.backend, ids.failed)).cancelRequestedAt).toBeNull()
      expect(await claim(context.backend, { now: at(2_000_000) })).toEqual([])
    })

    it('cancels the jobs matching a filter', async () => {
      const keep = await enqueueOne(context.backend, { type: OTHER_TYPE })
      const first = await enqueueOne(context.backend)
      const second = await enqueueOne(context.backend)
      const cancelled = await context.backend.cancelJobs({ filter: { type: JOB_TYPE }, now: at(1) })
      expect(sortedIds(cancelled)).toEqual(sortedIds([first, second]))
      expect((await getJobOrFail(context.backend, keep)).state).toBe('pending')
    })
  })

  describe('retryJobs', () => {
    it('runs finished jobs again: pending, due now, attempts reset, errors kept', async () => {
      const ids = await seedStates(context.backend)
      const all = [ids.pending, ids.active, ids.completed, ids.failed, ids.cancelled]
      const retried = await context.backend.retryJobs({ ids: all, now: at(50) })
      expect(sortedIds(retried)).toEqual(sortedIds([ids.completed, ids.failed, ids.cancelled]))
      const failed = await getJobOrFail(context.backend, ids.failed)
      expect(failed).toMatchObject({ state: 'pending', attempts: 0, finishedAt: null })
      expectTime(failed.runAt, at(50), 'runAt')
      expect(failed.errors.map((error) => error.attempt)).toEqual([1])
      expect((await getJobOrFail(context.backend, ids.active)).state).toBe('active')
      expect(await getJobOrFail(context.backend, ids.pending)).toMatchObject({ state: 'pending' })
      const claimed = await claim(context.backend, { types: [JOB_TYPE, OTHER_TYPE], now: at(50) })
      expect(sortedIds(claimed)).toEqual(sortedIds([ids.completed, ids.failed, ids.cancelled]))
      expect(claimed.every((job) => job.attempts === 1)).toBe(true)
    })

    it('leaves a finished job whose dedupe key another job now holds', async () => {
      const options = { dedupeKey: 'only-one', dedupeScope: 'pending+active' as const }
      const first = await enqueueOne(context.backend, options)
      await context.backend.cancelJobs({ ids: [first], now: at(1) })
      const second = await enqueueOne(context.backend, options, at(2))
      expect(await context.backend.retryJobs({ ids: [first], now: at(3) })).toEqual([])
      expect((await getJobOrFail(context.backend, first)).state).toBe('cancelled')
      expect((await getJobOrFail(context.backend, second)).state).toBe('pending')
    })
  })

  describe('removeJobs', () => {
    it('deletes jobs that are not active and returns how many', async () => {
      const ids = await seedStates(context.backend)
      const all = [ids.pending, ids.active, ids.completed, ids.failed, ids.cancelled]
      expect(await context.backend.removeJobs({ ids: all, now: at(60) })).toBe(4)
      for (const id of [ids.pending, ids.completed, ids.failed, ids.cancelled]) {
        expect(await context.backend.getJob({ id })).toBeNull()
      }
      expect((await getJobOrFail(context.backend, ids.active)).state).toBe('active')
    })

    it('deletes the jobs matching a filter', async () => {
      const ids = await seedStates(context.backend)
      expect(await context.backend.removeJobs({ filter: { state: 'completed' }, now: at(60) })).toBe(1)
      expect(await context.backend.getJob({ id: ids.completed })).toBeNull()
      expect(await context.backend.getJob({ id: ids.failed })).not.toBeNull()
      const left = await claimOne(context.backend, { now: at(2_000_000) })
      expect(left.id).toBe(ids.pending)
    })

    it('refuses a selection with neither ids nor a filter, and changes nothing', async () => {
      const ids = await seedStates(context.backend)
      await expect(context.backend.removeJobs({ now: at(60) })).rejects.toThrow(/ids/)
      await expect(context.backend.cancelJobs({ now: at(60) })).rejects.toThrow(/ids/)
      await expect(context.backend.retryJobs({ now: at(60) })).rejects.toThrow(/ids/)
      expect(await context.backend.getJob({ id: ids.completed })).not.toBeNull()
      expect((await getJobOrFail(context.backend, ids.pending)).state).toBe('pending')
    })
  })
}
