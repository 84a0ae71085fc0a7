import { describe, expect, it } from 'vitest'
import type { ConformanceContext } from './conformance-context.js'
import { at, enqueueOne, expectTime, getJobOrFail, JOB_TYPE, missingId, newJob } from './fixtures.js'

export function describeEnqueueTests(context: ConformanceContext): void {
  describe('enqueue and get', () => {
    it('stores every field of a new job as pending with no attempts and no lease', async () => {
      const runAt = at(5_000)
      const [id] = await context.backend.enqueueJobs({
        jobs: [
          newJob({
            data: { nested: { list: [1, 'two', null] }, flag: true },
            priority: 7,
            runAt,
            maxAttempts: 4,
            backoff: { type: 'exponential', baseMs: 500, maxMs: 60_000, jitter: 'none' },
            timeoutMs: 2_500,
            dedupeKey: 'stored-fields',
            dedupeScope: 'pending',
            metadata: { traceparent: '00-abc-def-01' },
          }),
        ],
        now: at(0),
      })
      const job = await getJobOrFail(context.backend, id as string)
      expect(job).toMatchObject({
        id,
        type: JOB_TYPE,
        data: { nested: { list: [1, 'two', null] }, flag: true },
        state: 'pending',
        priority: 7,
        attempts: 0,
        maxAttempts: 4,
        backoff: { type: 'exponential', baseMs: 500, maxMs: 60_000, jitter: 'none' },
        timeoutMs: 2_500,
        dedupeKey: 'stored-fields',
        dedupeScope: 'pending',
        leaseToken: null,
        leaseExpiresAt: null,
        workerId: null,
        lastError: null,
        errors: [],
        logs: [],
        result: null,
        metadata: { traceparent: '00-abc-def-01' },
        startedAt: null,
        finishedAt: null,
      })
      expect(job.progress ?? null).toBeNull()
      expectTime(job.runAt, runAt, 'runAt')
      expectTime(job.createdAt, at(0), 'createdAt')
    })

    it('returns one distinct string id per job, in input order', async () => {
      const jobs = [0, 1, 2, 3, 4].map((index) => newJob({ data: { index } }))
      const ids = await context.backend.enqueueJobs({ jobs, now: at(0) })
      expect(ids).toHaveLength(5)
      expect(new Set(ids).size).toBe(5)
      for (const [index, id] of ids.entries()) {
        expect(typeof id).toBe('string')
        expect((await getJobOrFail(context.backend, id as string)).data).toEqual({ index })
      }
    })

    it('returns an empty list for an empty batch', async () => {
      expect(await context.backend.enqueueJobs({ jobs: [], now: at(0) })).toEqual([])
    })

    it('keeps its own copy: changing the data after enqueue changes nothing stored', async () => {
      const data = { items: ['a'] }
      const id = await enqueueOne(context.backend, { data })
      data.items.push('b')
      const job = await getJobOrFail(context.backend, id)
      expect(job.data).toEqual({ items: ['a'] })
      ;(job.data as { items: string[] }).items.push('c')
      expect((await getJobOrFail(context.backend, id)).data).toEqual({ items: ['a'] })
    })

    it('getJob returns null for an id that names no job', async () => {
      expect(await context.backend.getJob({ id: await missingId(context.backend) })).toBeNull()
    })
  })
}
