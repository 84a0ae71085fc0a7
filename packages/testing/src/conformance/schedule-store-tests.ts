import {
  type Backend,
  type FireScheduleParams,
  occurrenceKey,
  type ScheduleChange,
  type ScheduleDefinition,
  type ScheduleStore,
  scheduleDedupeKey,
} from '@durabl/core'
import { describe, expect, it, type TestContext } from 'vitest'
import type { ConformanceContext } from './conformance-context.js'
import { at, claim, JOB_TYPE, newJob, waitFor } from './fixtures.js'

/** A stored definition: every 1 s from the base time. */
export function everySecond(overrides: Partial<ScheduleDefinition> = {}): ScheduleDefinition {
  return {
    cron: null,
    everyMs: 1_000,
    timezone: 'UTC',
    type: JOB_TYPE,
    data: { from: 'schedule' },
    options: {
      priority: 0,
      maxAttempts: 3,
      backoff: { type: 'fixed', delayMs: 1_000 },
      timeoutMs: null,
      metadata: {},
    },
    overlap: 'allow',
    catchUp: { policy: 'latest', graceMs: 60_000, windowMs: 86_400_000, maxRuns: 10 },
    jitterMs: 0,
    startAt: null,
    endAt: null,
    limit: null,
    ...overrides,
  }
}

export function storeOf(backend: Backend, test: TestContext): ScheduleStore {
  if (backend.capabilities.schedules !== true || backend.schedules === undefined) {
    test.skip('the backend does not declare capabilities.schedules')
  }
  return backend.schedules as ScheduleStore
}

async function create(store: ScheduleStore, id = 'every-second', nextRunAt = at(1_000)) {
  const { schedule } = await store.upsertSchedule({
    id,
    definition: everySecond(),
    definitionHash: 'hash-1',
    timingHash: 'timing-1',
    nextRunAt,
    managed: false,
    now: at(0),
  })
  return schedule
}

/** The params of one occurrence's fire, against the schedule as read. */
function fireParams(
  schedule: { id: string; nextRunAt: Date | null; rev: number },
  occurrence: Date,
  overrides: Partial<FireScheduleParams> = {},
): FireScheduleParams {
  return {
    id: schedule.id,
    expected: { nextRunAt: schedule.nextRunAt as Date, rev: schedule.rev },
    jobs: [
      {
        ...newJob({ runAt: occurrence, metadata: { durabl_schedule: schedule.id } }),
        occurrenceKey: occurrenceKey(schedule.id, occurrence),
      },
    ],
    advance: {
      nextRunAt: new Date(occurrence.getTime() + 1_000),
      lastRunAt: occurrence,
      missed: 0,
      owner: 'worker-a',
    },
    now: occurrence,
    ...overrides,
  }
}

export function describeScheduleStoreTests(context: ConformanceContext): void {
  describe('schedule store', () => {
    it('creates a schedule once, and an unchanged upsert changes nothing', async (test) => {
      const store = storeOf(context.backend, test)
      const created = await create(store)
      expect(created).toMatchObject({
        id: 'every-second',
        runs: 0,
        skipped: 0,
        missed: 0,
        paused: false,
        owner: null,
      })
      expect(created.nextRunAt).toEqual(at(1_000))
      const again = await store.upsertSchedule({
        id: 'every-second',
        definition: everySecond(),
        definitionHash: 'hash-1',
        timingHash: 'timing-1',
        nextRunAt: at(9_000),
        managed: false,
        now: at(500),
      })
      expect(again.outcome).toBe('unchanged')
      expect(again.schedule.nextRunAt).toEqual(at(1_000))
      expect(again.schedule.rev).toBe(created.rev)
    })

    it('a new payload keeps the next run; a new timing replaces it', async (test) => {
      const store = storeOf(context.backend, test)
      await create(store)
      const payload = await store.upsertSchedule({
        id: 'every-second',
        definition: everySecond({ data: { from: 'v2' } }),
        definitionHash: 'hash-2',
        timingHash: 'timing-1',
        nextRunAt: at(7_000),
        managed: false,
        now: at(500),
      })
      expect(payload.outcome).toBe('updated')
      expect(payload.schedule.nextRunAt).toEqual(at(1_000))
      expect(payload.schedule.definition.data).toEqual({ from: 'v2' })
      const timing = await store.upsertSchedule({
        id: 'every-second',
        definition: everySecond({ everyMs: 5_000 }),
        definitionHash: 'hash-3',
        timingHash: 'timing-2',
        nextRunAt: at(5_000),
        managed: false,
        now: at(600),
      })
      expect(timing.outcome).toBe('updated')
      expect(timing.schedule.nextRunAt).toEqual(at(5_000))
      expect(timing.schedule.rev).toBeGreaterThan(payload.schedule.rev)
    })

    it('concurrent upserts of one id create it once', async (test) => {
      const store = storeOf(context.backend, test)
      const results = await Promise.all(
        Array.from({ length: 5 }, () =>
          store.upsertSchedule({
            id: 'racy',
            definition: everySecond(),
            definitionHash: 'hash-1',
            timingHash: 'timing-1',
            nextRunAt: at(1_000),
            managed: false,
            now: at(0),
          }),
        ),
      )
      expect(results.filter((result) => result.outcome === 'created')).toHaveLength(1)
      expect(await store.listSchedules({})).toHaveLength(1)
    })

    it('fires an occurrence once: a second fire of the same occurrence finds its job and does not advance', async (test) => {
      const { backend } = context
      const store = storeOf(backend, test)
      const schedule = await create(store)
      const first = await store.fireSchedule(fireParams(schedule, at(1_000)))
      expect(first.advanced).toBe(true)
      expect(first.jobs).toHaveLength(1)
      expect(first.jobs[0]?.outcome).toBe('enqueued')
      expect(first.schedule).toMatchObject({ runs: 1, owner: 'worker-a' })
      expect(first.schedule?.nextRunAt).toEqual(at(2_000))
      expect(first.schedule?.lastRunAt).toEqual(at(1_000))
      expect(first.schedule?.lastJobId).toBe((first.jobs[0] as { id: string }).id)
      // A process that read the schedule before the advance (or crashed before it and retries).
      const second = await store.fireSchedule(fireParams(schedule, at(1_000), { now: at(1_200) }))
      expect(second.jobs).toEqual([{ outcome: 'exists' }])
      expect(second.advanced).toBe(false)
      expect(second.schedule?.runs).toBe(1)
      expect(await claim(backend, { now: at(5_000) })).toHaveLength(1)
    })

    it('a crash between the insert and the advance: the next fire finds the job and advances', async (test) => {
      const { backend } = context
      const store = storeOf(backend, test)
      const schedule = await create(store)
      // The first process wrote the job, then died before advancing the schedule: a guard that
      // cannot match stands in for the advance that never happened.
      const crashed = await store.fireSchedule(
        fireParams(schedule, at(1_000), { expected: { nextRunAt: at(1_000), rev: schedule.rev + 1_000 } }),
      )
      expect(crashed.jobs[0]?.outcome).toBe('enqueued')
      expect(crashed.advanced).toBe(false)
      const next = await store.fireSchedule(fireParams(schedule, at(1_000), { now: at(6_000) }))
      expect(next.jobs).toEqual([{ outcome: 'exists' }])
      expect(next.advanced).toBe(true)
      expect(next.schedule?.runs).toBe(1)
      expect(next.schedule?.nextRunAt).toEqual(at(2_000))
    })

    it('a finished job keeps its occurrence taken', async (test) => {
      const { backend } = context
      const store = storeOf(backend, test)
      const schedule = await create(store)
      await store.fireSchedule(fireParams(schedule, at(1_000)))
      const [job] = await claim(backend, { now: at(1_000) })
      expect(job).toBeDefined()
      await backend.completeJobs({ jobs: [{ id: job!.id, leaseToken: job!.leaseToken! }], now: at(1_100) })
      const again = await store.fireSchedule(fireParams(schedule, at(1_000), { now: at(1_200) }))
      expect(again.jobs).toEqual([{ outcome: 'exists' }])
    })

    it('a dedupe key held by the previous run blocks an occurrence as overlap, counted as skipped', async (test) => {
      const store = storeOf(context.backend, test)
      const schedule = await create(store)
      const keyed = (occurrence: Date) => ({
        ...newJob({
          runAt: occurrence,
          dedupeKey: scheduleDedupeKey(schedule.id),
          dedupeScope: 'pending+active' as const,
        }),
        occurrenceKey: occurrenceKey(schedule.id, occurrence),
      })
      const first = await store.fireSchedule(fireParams(schedule, at(1_000), { jobs: [keyed(at(1_000))] }))
      expect(first.jobs[0]?.outcome).toBe('enqueued')
      const second = await store.fireSchedule(
        fireParams(first.schedule!, at(2_000), { jobs: [keyed(at(2_000))], now: at(2_000) }),
      )
      expect(second.jobs).toEqual([{ outcome: 'overlap' }])
      expect(second.advanced).toBe(true)
      expect(second.schedule).toMatchObject({ runs: 1, skipped: 1 })
      expect(second.schedule?.lastJobId).toBe((first.jobs[0] as { id: string }).id)
    })

    it('writes several occurrences in one call, each on its own, and counts missed ones', async (test) => {
      const store = storeOf(context.backend, test)
      const schedule = await create(store)
      const jobs = [at(1_000), at(2_000), at(3_000)].map((occurrence) => ({
        ...newJob({ runAt: occurrence }),
        occurrenceKey: occurrenceKey(schedule.id, occurrence),
      }))
      const result = await store.fireSchedule(
        fireParams(schedule, at(3_000), {
          jobs,
          advance: { nextRunAt: at(4_000), lastRunAt: at(3_000), missed: 2, owner: 'worker-b' },
        }),
      )
      expect(result.jobs.map((job) => job.outcome)).toEqual(['enqueued', 'enqueued', 'enqueued'])
      expect(result.schedule).toMatchObject({ runs: 3, missed: 2, owner: 'worker-b' })
    })

    it('a paused schedule, or one changed since it was read, is not advanced', async (test) => {
      const store = storeOf(context.backend, test)
      const schedule = await create(store)
      const paused = await store.patchSchedule({ id: schedule.id, set: { paused: true }, now: at(500) })
      expect(paused?.paused).toBe(true)
      expect(paused!.rev).toBeGreaterThan(schedule.rev)
      const refused = await store.fireSchedule(fireParams(paused!, at(1_000)))
      expect(refused.advanced).toBe(false)
      expect(refused.schedule?.runs).toBe(0)
      const stale = await store.patchSchedule({
        id: schedule.id,
        expectedRev: schedule.rev,
        set: { paused: false },
        now: at(600),
      })
      expect(stale).toBeNull()
      const resumed = await store.patchSchedule({
        id: schedule.id,
        expectedRev: paused!.rev,
        set: { paused: false, nextRunAt: at(3_000) },
        now: at(600),
      })
      expect(resumed).toMatchObject({ paused: false })
      expect(resumed?.nextRunAt).toEqual(at(3_000))
    })

    it('an owner gives a schedule up with a guarded patch (owner may only become null)', async (test) => {
      const store = storeOf(context.backend, test)
      const schedule = await create(store)
      const fired = await store.fireSchedule(fireParams(schedule, at(1_000)))
      expect(fired.schedule?.owner).toBe('worker-a')
      const givenUp = await store.patchSchedule({
        id: schedule.id,
        expectedRev: fired.schedule!.rev,
        set: { owner: null },
        now: at(1_100),
      })
      expect(givenUp).toMatchObject({ owner: null, runs: 1 })
      expect(givenUp?.nextRunAt).toEqual(at(2_000))
      await expect(
        store.patchSchedule({
          id: schedule.id,
          set: { owner: 'worker-b' as unknown as null },
          now: at(1_200),
        }),
      ).rejects.toThrow(/owner/)
    })

    it('lists by id, removes, and fires nothing for a removed schedule', async (test) => {
      const store = storeOf(context.backend, test)
      await create(store, 'b')
      const a = await create(store, 'a')
      expect((await store.listSchedules({})).map((schedule) => schedule.id)).toEqual(['a', 'b'])
      expect(await store.removeSchedule({ id: 'a' })).toBe(true)
      expect(await store.removeSchedule({ id: 'a' })).toBe(false)
      expect(await store.getSchedule({ id: 'a' })).toBeNull()
      const fired = await store.fireSchedule(fireParams(a, at(1_000)))
      expect(fired.advanced).toBe(false)
      expect(fired.schedule).toBeNull()
    })

    it('tells subscribers about schedule changes', async (test) => {
      const { backend } = context
      const store = storeOf(backend, test)
      if (!backend.capabilities.push || backend.subscribe === undefined) test.skip('the backend has no push')
      const changes: ScheduleChange[] = []
      let fellBack = false
      let connected = false
      const subscription = await backend.subscribe!({
        types: [],
        onWake: () => undefined,
        onStatus: (status) => {
          if (status.state === 'fallback') fellBack = true
          if (status.state === 'connected') connected = true
        },
        onScheduleChange: (change) => changes.push(change),
      })
      try {
        // A stream announces only what is written once it is open.
        await waitFor(() => connected || fellBack, 'the subscription to connect')
        if (fellBack) test.skip('push fell back to polling')
        const schedule = await create(store)
        await store.fireSchedule(fireParams(schedule, at(1_000)))
        await store.removeSchedule({ id: schedule.id })
        await waitFor(() => changes.some((change) => change.deleted), 'the removal to be announced')
        expect(changes[0]).toMatchObject({ id: schedule.id, deleted: false, definitionChanged: true })
        const advance = changes.find((change) => change.nextRunAt !== undefined && !change.definitionChanged)
        expect(advance).toMatchObject({ id: schedule.id, owner: 'worker-a' })
        expect(advance?.nextRunAt).toEqual(at(2_000))
      } finally {
        await subscription.close()
      }
    })
  })
}
