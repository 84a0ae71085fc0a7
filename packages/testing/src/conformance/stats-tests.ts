import type { Backend } from '@durabl/core'
import { describe, expect, it } from 'vitest'
import type { ConformanceContext } from './conformance-context.js'
import { at, claim, expectTime, JOB_TYPE, newJob, OTHER_TYPE } from './fixtures.js'

/** JOB_TYPE: 2 due (runAt 0 and 100), 1 delayed, 1 active, 1 completed. OTHER_TYPE: 1 due, 1 cancelled. */
async function seed(backend: Backend): Promise<void> {
  const [toCancel] = await backend.enqueueJobs({
    jobs: [newJob({ type: OTHER_TYPE, priority: 9 })],
    now: at(0),
  })
  await backend.enqueueJobs({
    jobs: [newJob({ priority: -2 }), newJob({ priority: -1 })],
    now: at(0),
  })
  const [active, done] = await claim(backend, { limit: 2, now: at(0) })
  await backend.completeJobs({ jobs: [{ id: done!.id, leaseToken: done!.leaseToken as string }], now: at(1) })
  expect(active).toBeDefined()
  await backend.cancelJobs({ ids: [toCancel as string], now: at(1) })
  await backend.enqueueJobs({
    jobs: [
      newJob({ runAt: at(100) }),
      newJob({ runAt: at(50) }),
      newJob({ runAt: at(60_000) }),
      newJob({ type: OTHER_TYPE, runAt: at(200) }),
    ],
    now: at(0),
  })
}

export function describeStatsTests(context: ConformanceContext): void {
  describe('stats', () => {
    it('counts jobs per type and state, with due, delayed and the oldest due time, sorted by type', async () => {
      await seed(context.backend)
      const stats = await context.backend.getStats({ now: at(1_000) })
      expect(stats.types.map((entry) => entry.type)).toEqual([JOB_TYPE, OTHER_TYPE].sort())
      const main = stats.types.find((entry) => entry.type === JOB_TYPE)!
      expect(main).toMatchObject({
        pending: 3,
        active: 1,
        completed: 1,
        failed: 0,
        cancelled: 0,
        due: 2,
        delayed: 1,
      })
      expectTime(main.oldestDueAt, at(50), 'oldestDueAt')
      const other = stats.types.find((entry) => entry.type === OTHER_TYPE)!
      expect(other).toMatchObject({
        pending: 1,
        active: 0,
        completed: 0,
        failed: 0,
        cancelled: 1,
        due: 1,
        delayed: 0,
      })
      expectTime(other.oldestDueAt, at(200), 'oldestDueAt')
      expect(stats.total).toMatchObject({
        pending: 4,
        active: 1,
        completed: 1,
        failed: 0,
        cancelled: 1,
        due: 3,
        delayed: 1,
      })
      expectTime(stats.total.oldestDueAt, at(50), 'total.oldestDueAt')
    })

    it('counts due against the given now', async () => {
      await seed(context.backend)
      const early = await context.backend.getStats({ now: at(10) })
      expect(early.total).toMatchObject({ due: 0, delayed: 4 })
      expect(early.total.oldestDueAt).toBeNull()
    })

    it('reports one type when asked', async () => {
      await seed(context.backend)
      const stats = await context.backend.getStats({ type: OTHER_TYPE, now: at(1_000) })
      expect(stats.types.map((entry) => entry.type)).toEqual([OTHER_TYPE])
      expect(stats.types[0]).toMatchObject({ pending: 1, cancelled: 1 })
    })

    it('reports no types and zero totals for an empty backend', async () => {
      const stats = await context.backend.getStats({ now: at(0) })
      expect(stats.types).toEqual([])
      expect(stats.total).toEqual({
        pending: 0,
        active: 0,
        completed: 0,
        failed: 0,
        cancelled: 0,
        due: 0,
        delayed: 0,
        oldestDueAt: null,
      })
    })
  })
}
