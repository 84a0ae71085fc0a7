import { JobQueue, type ScheduleStore } from '@durabl/core'
import { describe, expect, it } from 'vitest'
import { MemoryBackend } from '../../src/memory-backend/memory-backend.js'
import { TestClock } from '../../src/test-clock.js'

const START = Date.parse('2030-01-01T00:00:00.000Z')

describe('schedule events', () => {
  it('the queue that wrote an occurrence reports it, even when another compare-and-set won', async () => {
    const backend = new MemoryBackend()
    const store = backend.schedules as ScheduleStore
    const clock = new TestClock(new Date(START))
    const queue = new JobQueue(backend, { clock, workerId: 'writer', workerRegistryIntervalMs: false })
    const enqueued: string[] = []
    queue.on('schedule:enqueued', ({ occurrence }) => enqueued.push(occurrence.toISOString()))
    await queue.schedules.upsert('tick', { type: 'tick', everyMs: 1_000 })
    // The first fire writes its job, but the schedule changes under it (another process advanced
    // it, or an admin patched it): its compare-and-set loses. The next fire finds the job.
    const fire = store.fireSchedule.bind(store)
    let raced = false
    store.fireSchedule = async (params) => {
      if (!raced) {
        raced = true
        await store.patchSchedule({ id: params.id, set: { lastJobId: 'someone-else' }, now: params.now })
      }
      return fire(params)
    }
    try {
      await queue.startup()
      await clock.advance(1_000)
      await expect.poll(async () => (await queue.schedules.get('tick'))?.runs).toBe(1)
      expect(enqueued).toEqual(['2030-01-01T00:00:01.000Z'])
      const jobs = await backend.listJobs({ limit: 10 })
      expect(jobs.jobs).toHaveLength(1)
    } finally {
      await queue.shutdown()
    }
  })

  it('a schedule whose fire fails is retried with a backoff, and the others keep firing', async () => {
    const backend = new MemoryBackend()
    const store = backend.schedules as ScheduleStore
    const clock = new TestClock(new Date(START))
    const queue = new JobQueue(backend, { clock, workerId: 'only', workerRegistryIntervalMs: false })
    const errors: string[] = []
    queue.on('queue:error', ({ operation }) => errors.push(operation))
    await queue.schedules.upsert('broken', { type: 'tick', everyMs: 1_000 })
    await queue.schedules.upsert('healthy', { type: 'tick', everyMs: 1_000 })
    const fire = store.fireSchedule.bind(store)
    const attempts: number[] = []
    store.fireSchedule = async (params) => {
      if (params.id !== 'broken') return fire(params)
      attempts.push(clock.now().getTime() - START)
      throw new Error('the database is down')
    }
    try {
      await queue.startup()
      for (let second = 1; second <= 10; second += 1) {
        await clock.advance(1_000)
        await expect.poll(async () => (await queue.schedules.get('healthy'))?.runs).toBe(second)
      }
      // Due at 1 s, then retried 1, 2 and 4 s after each failure: no spin.
      expect(attempts).toEqual([1_000, 2_000, 4_000, 8_000])
      expect(errors.filter((operation) => operation === 'schedules.fire')).toHaveLength(4)
    } finally {
      await queue.shutdown()
    }
  })

  it('a stopping owner gives its schedules up, so a standby fires the next occurrence on time', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock(new Date(START))
    const options = { clock, workerRegistryIntervalMs: false as const, schedules: { takeoverMs: 5_000 } }
    const owner = new JobQueue(backend, { ...options, workerId: 'owner' })
    const standby = new JobQueue(backend, { ...options, workerId: 'standby' })
    const lags: Array<[string, number]> = []
    standby.on('schedule:enqueued', ({ occurrence, lagMs }) => lags.push([occurrence.toISOString(), lagMs]))
    await owner.schedules.upsert('tick', { type: 'tick', everyMs: 1_000 })
    try {
      await owner.startup()
      await clock.advance(1_000)
      await expect.poll(async () => (await owner.schedules.get('tick'))?.owner).toBe('owner')
      await standby.startup()
      await owner.shutdown()
      expect((await standby.schedules.get('tick'))?.owner).toBeNull()
      await clock.advance(1_000)
      await expect.poll(() => lags).toEqual([['2030-01-01T00:00:02.000Z', 0]])
    } finally {
      await owner.shutdown()
      await standby.shutdown()
    }
  })
})
