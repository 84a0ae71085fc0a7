import { type Backend, type Job, JobQueue, type ScheduleDefinitionInput } from '@durabl/core'
import { describe, expect, it, type TestContext } from 'vitest'
import { TestClock } from '../test-clock.js'
import type { ConformanceContext } from './conformance-context.js'
import { BASE_TIME_MS, claim, JOB_TYPE } from './fixtures.js'
import { storeOf } from './schedule-store-tests.js'

const SECOND = 1_000
const MINUTE = 60_000

/**
 * The schedule runtime over the backend under test: JobQueues on a TestClock run a schedule, and
 * the jobs in storage are the evidence. Backend calls are real, so each step waits (polling with a
 * deadline) for the scheduler's pass to land before the clock moves on.
 */
export function describeScheduleRuntimeTests(context: ConformanceContext): void {
  describe('schedules at run time', () => {
    it('three queues on one backend enqueue every occurrence exactly once', async (test) => {
      const { backend } = context
      storeOf(backend, test)
      const clock = new TestClock(new Date(BASE_TIME_MS))
      const queues = ['a', 'b', 'c'].map((name) => queueOn(backend, clock, `worker-${name}`))
      await queues[0]!.schedules.upsert('tick', everySecond())
      try {
        await Promise.all(queues.map((queue) => queue.startup()))
        for (let step = 1; step <= 8; step += 1) {
          await clock.advance(SECOND)
          await settled(queues[0]!, 'tick', clock)
        }
        const jobs = await scheduledJobs(backend, 'tick')
        expect(occurrences(jobs)).toEqual(expectedSeconds(1, 8))
        const schedule = await queues[1]!.schedules.get('tick')
        expect(schedule).toMatchObject({ runs: 8, skipped: 0, missed: 0 })
      } finally {
        await Promise.all(queues.map((queue) => queue.shutdown()))
      }
    })

    it('a standby queue takes over from an owner that stopped, without a duplicate', async (test) => {
      const { backend } = context
      storeOf(backend, test)
      const clock = new TestClock(new Date(BASE_TIME_MS))
      const owner = queueOn(backend, clock, 'worker-owner')
      // Without push a standby notices at its scan: both at 2 s, so the test works either way.
      const standby = queueOn(backend, clock, 'worker-standby', {
        run: true,
        takeoverMs: 2 * SECOND,
        scanIntervalMs: 2 * SECOND,
      })
      await owner.schedules.upsert('tick', everySecond())
      try {
        await owner.startup()
        await clock.advance(SECOND)
        await settled(owner, 'tick', clock)
        expect((await owner.schedules.get('tick'))?.owner).toBe('worker-owner')
        await owner.shutdown()
        await standby.startup()
        for (let step = 0; step < 6; step += 1) {
          await clock.advance(SECOND)
          await settled(standby, 'tick', clock, 3 * SECOND)
        }
        await clock.advance(3 * SECOND)
        await settled(standby, 'tick', clock)
        const jobs = await scheduledJobs(backend, 'tick')
        const seen = occurrences(jobs)
        expect(new Set(seen).size).toBe(seen.length)
        expect(seen).toEqual(expectedSeconds(1, seen.length))
        expect(seen.length).toBeGreaterThanOrEqual(7)
        expect((await standby.schedules.get('tick'))?.owner).toBe('worker-standby')
      } finally {
        await owner.shutdown()
        await standby.shutdown()
      }
    })

    describe('catch-up after downtime', () => {
      // Created at the base time, then nobody runs for 10.5 minutes: occurrences at minutes 1..10
      // are due when a queue starts.
      async function afterDowntime(test: TestContext, catchUp: ScheduleDefinitionInput['catchUp']) {
        const { backend } = context
        storeOf(backend, test)
        const clock = new TestClock(new Date(BASE_TIME_MS))
        const queue = queueOn(backend, clock, 'worker-a')
        await queue.schedules.upsert('minutely', { type: JOB_TYPE, everyMs: MINUTE, catchUp })
        clock.set(new Date(BASE_TIME_MS + 10 * MINUTE + 30 * SECOND))
        try {
          await queue.startup()
          await settled(queue, 'minutely', clock)
          const jobs = await scheduledJobs(backend, 'minutely')
          const schedule = await queue.schedules.get('minutely')
          return { jobs, schedule }
        } finally {
          await queue.shutdown()
        }
      }

      it("'none' runs only occurrences reached within the grace period", async (test) => {
        const { jobs, schedule } = await afterDowntime(test, { policy: 'none', graceMs: 60 * SECOND })
        expect(occurrences(jobs)).toEqual([minute(10)])
        expect(jobs[0]?.metadata.durabl_caught_up).toBeUndefined()
        expect(schedule).toMatchObject({ runs: 1, missed: 9 })
        expect(schedule?.nextRunAt).toEqual(new Date(minute(11)))
      })

      it("'none' with every occurrence late runs nothing and counts them all missed", async (test) => {
        const { jobs, schedule } = await afterDowntime(test, { policy: 'none', graceMs: 10 * SECOND })
        expect(jobs).toHaveLength(0)
        expect(schedule).toMatchObject({ runs: 0, missed: 10 })
      })

      it("'latest' runs the newest missed occurrence, marked as caught up", async (test) => {
        const { jobs, schedule } = await afterDowntime(test, { policy: 'latest', graceMs: 10 * SECOND })
        expect(occurrences(jobs)).toEqual([minute(10)])
        expect(jobs[0]?.metadata.durabl_caught_up).toBe('true')
        expect(schedule).toMatchObject({ runs: 1, missed: 9 })
      })

      it("'all' runs the newest maxRuns within the window, each marked, and counts the rest missed", async (test) => {
        const { jobs, schedule } = await afterDowntime(test, {
          policy: 'all',
          graceMs: 10 * SECOND,
          windowMs: 5 * MINUTE,
          maxRuns: 3,
        })
        expect(occurrences(jobs)).toEqual([minute(8), minute(9), minute(10)])
        expect(jobs.every((job) => job.metadata.durabl_caught_up === 'true')).toBe(true)
        expect(schedule).toMatchObject({ runs: 3, missed: 7 })
      })
    })

    describe('overlap', () => {
      async function threeOccurrences(
        test: TestContext,
        overlap: ScheduleDefinitionInput['overlap'],
        between?: (backend: Backend, occurrence: number) => Promise<void>,
      ) {
        const { backend } = context
        storeOf(backend, test)
        const clock = new TestClock(new Date(BASE_TIME_MS))
        const queue = queueOn(backend, clock, 'worker-a')
        await queue.schedules.upsert('overlapping', everySecond({ overlap }))
        try {
          await queue.startup()
          for (let occurrence = 1; occurrence <= 3; occurrence += 1) {
            await clock.advance(SECOND)
            await settled(queue, 'overlapping', clock)
            await between?.(backend, occurrence)
          }
          return {
            jobs: await scheduledJobs(backend, 'overlapping'),
            schedule: await queue.schedules.get('overlapping'),
          }
        } finally {
          await queue.shutdown()
        }
      }

      it("'allow' enqueues every occurrence side by side", async (test) => {
        const { jobs, schedule } = await threeOccurrences(test, 'allow')
        expect(jobs).toHaveLength(3)
        expect(schedule).toMatchObject({ runs: 3, skipped: 0 })
      })

      it("'skip' skips occurrences while the previous run is pending or active", async (test) => {
        const { jobs, schedule } = await threeOccurrences(test, 'skip', async (backend, occurrence) => {
          // The first run starts and keeps running.
          if (occurrence === 1)
            expect(await claim(backend, { now: new Date(BASE_TIME_MS + 1_500) })).toHaveLength(1)
        })
        expect(occurrences(jobs)).toEqual([second(1)])
        expect(schedule).toMatchObject({ runs: 1, skipped: 2 })
      })

      it("'buffer-one' keeps one run waiting behind the running one and skips the rest", async (test) => {
        const { jobs, schedule } = await threeOccurrences(test, 'buffer-one', async (backend, occurrence) => {
          if (occurrence === 1)
            expect(await claim(backend, { now: new Date(BASE_TIME_MS + 1_500) })).toHaveLength(1)
        })
        expect(occurrences(jobs)).toEqual([second(1), second(2)])
        expect(jobs.map((job) => job.state)).toEqual(['active', 'pending'])
        expect(schedule).toMatchObject({ runs: 2, skipped: 1 })
      })

      it("'cancel-running' asks a running previous run to stop and queues the new one behind it", async (test) => {
        const { jobs, schedule } = await threeOccurrences(
          test,
          'cancel-running',
          async (backend, occurrence) => {
            // The first run starts and keeps running: its worker will hear of the cancel.
            if (occurrence === 1)
              expect(await claim(backend, { now: new Date(BASE_TIME_MS + 1_500) })).toHaveLength(1)
          },
        )
        expect(occurrences(jobs)).toEqual([second(1), second(2), second(3)])
        // The running one is still active with its cancel requested; the second was pending, so
        // it was cancelled at once; the third waits for the first to end.
        expect(jobs.map((job) => job.state)).toEqual(['active', 'cancelled', 'pending'])
        expect(jobs[0]?.cancelRequestedAt).toBeInstanceOf(Date)
        expect(schedule).toMatchObject({ runs: 3, skipped: 0 })
      })

      it("'cancel-running' cancels the previous run and enqueues the new one", async (test) => {
        const { jobs, schedule } = await threeOccurrences(test, 'cancel-running')
        expect(occurrences(jobs)).toEqual([second(1), second(2), second(3)])
        expect(jobs.map((job) => job.state)).toEqual(['cancelled', 'cancelled', 'pending'])
        expect(schedule).toMatchObject({ runs: 3, skipped: 0 })
      })
    })

    describe('time zones on a TestClock', () => {
      async function dailyAcross(test: TestContext, cron: string, from: string, days: number) {
        const { backend } = context
        storeOf(backend, test)
        const clock = new TestClock(new Date(from))
        const queue = queueOn(backend, clock, 'worker-a')
        await queue.schedules.upsert('dst', { type: JOB_TYPE, cron, timezone: 'America/New_York' })
        try {
          await queue.startup()
          for (let hour = 0; hour < days * 24; hour += 1) {
            await clock.advance(60 * MINUTE)
            await settled(queue, 'dst', clock)
          }
          return occurrences(await scheduledJobs(backend, 'dst')).map((at) => new Date(at).toISOString())
        } finally {
          await queue.shutdown()
        }
      }

      it('a time in the spring-forward gap runs once, right after the gap', async (test) => {
        // New York, 8 March 2026: 02:00 EST becomes 03:00 EDT, so 02:30 does not exist that day.
        const runs = await dailyAcross(test, '30 2 * * *', '2026-03-07T00:00:00.000Z', 3)
        expect(runs).toEqual([
          '2026-03-07T07:30:00.000Z',
          '2026-03-08T07:00:00.000Z',
          '2026-03-09T06:30:00.000Z',
        ])
      })

      it('a time in the repeated fall-back hour runs once', async (test) => {
        // New York, 1 November 2026: 02:00 EDT becomes 01:00 EST, so 01:30 happens twice.
        const runs = await dailyAcross(test, '30 1 * * *', '2026-10-31T00:00:00.000Z', 3)
        expect(runs).toEqual([
          '2026-10-31T05:30:00.000Z',
          '2026-11-01T05:30:00.000Z',
          '2026-11-02T06:30:00.000Z',
        ])
      })
    })

    it('a paused schedule enqueues nothing; resume continues from the next occurrence after now', async (test) => {
      const { backend } = context
      storeOf(backend, test)
      const clock = new TestClock(new Date(BASE_TIME_MS))
      const queue = queueOn(backend, clock, 'worker-a')
      await queue.schedules.upsert('pausable', everySecond())
      try {
        await queue.startup()
        await clock.advance(SECOND)
        await settled(queue, 'pausable', clock)
        expect((await queue.schedules.pause('pausable'))?.paused).toBe(true)
        await clock.advance(5 * SECOND)
        const resumed = await queue.schedules.resume('pausable')
        expect(resumed?.nextRunAt).toEqual(new Date(second(7)))
        await clock.advance(SECOND)
        await settled(queue, 'pausable', clock)
        expect(occurrences(await scheduledJobs(backend, 'pausable'))).toEqual([second(1), second(7)])
        expect(await queue.schedules.get('pausable')).toMatchObject({ runs: 2, missed: 0 })
      } finally {
        await queue.shutdown()
      }
    })

    it('refuses bad definitions at upsert, naming the field and the value, and stores nothing', async (test) => {
      const { backend } = context
      storeOf(backend, test)
      const queue = queueOn(backend, new TestClock(new Date(BASE_TIME_MS)), 'worker-a')
      const cases: Array<[ScheduleDefinitionInput, RegExp]> = [
        [{ type: JOB_TYPE, cron: '61 * * * *' }, /cron.*61 \* \* \* \*/s],
        [{ type: JOB_TYPE, cron: '0 3 * * *', timezone: 'Mars/Olympus' }, /timezone.*Mars\/Olympus/s],
        [{ type: JOB_TYPE, everyMs: 500 }, /everyMs.*500/s],
        [{ type: JOB_TYPE, cron: '0 3 * * *', everyMs: 60_000 }, /cron.*everyMs|everyMs.*cron/s],
      ]
      for (const [definition, message] of cases) {
        await expect(queue.schedules.upsert('bad', definition)).rejects.toThrow(message)
      }
      expect(await queue.schedules.list()).toEqual([])
    })

    it('sync removes a schedule code stopped declaring only after the grace period; trigger runs one now', async (test) => {
      const { backend } = context
      storeOf(backend, test)
      const clock = new TestClock(new Date(BASE_TIME_MS))
      const queue = queueOn(backend, clock, 'worker-a')
      const declared = [
        { id: 'a', ...everySecond() },
        { id: 'b', ...everySecond() },
      ]
      const first = await queue.schedules.sync(declared)
      expect(first.created).toEqual(['a', 'b'])
      expect((await queue.schedules.sync(declared)).unchanged).toEqual(['a', 'b'])
      const dropped = await queue.schedules.sync(declared.slice(0, 1), { graceMs: MINUTE })
      expect(dropped.undeclared).toEqual(['b'])
      expect(await queue.schedules.get('b')).not.toBeNull()
      clock.set(new Date(BASE_TIME_MS + 2 * MINUTE))
      const later = await queue.schedules.sync(declared.slice(0, 1), { graceMs: MINUTE })
      expect(later.removed).toEqual(['b'])
      expect(await queue.schedules.get('b')).toBeNull()
      const jobId = await queue.schedules.trigger('a')
      expect(jobId).toBeTypeOf('string')
      const job = await backend.getJob({ id: jobId! })
      expect(job?.metadata).toMatchObject({ durabl_schedule: 'a', durabl_occurrence: 'manual' })
      expect((await queue.schedules.get('a'))?.lastJobId).toBe(jobId)
    })
  })
}

function everySecond(overrides: Partial<ScheduleDefinitionInput> = {}): ScheduleDefinitionInput {
  return { type: JOB_TYPE, everyMs: SECOND, data: { tick: true }, ...overrides }
}

function queueOn(
  backend: Backend,
  clock: TestClock,
  workerId: string,
  schedules: { run: boolean; takeoverMs?: number; scanIntervalMs?: number } = { run: true },
): JobQueue {
  return new JobQueue(backend, { clock, workerId, schedules: { scanIntervalMs: 10 * MINUTE, ...schedules } })
}

/** Waits (real time, with a deadline) until the schedule's next run is after the clock's now. */
async function settled(queue: JobQueue, id: string, clock: TestClock, slackMs = 0): Promise<void> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const schedule = await queue.schedules.get(id)
    const next = schedule?.nextRunAt?.getTime() ?? Number.POSITIVE_INFINITY
    if (schedule === null || schedule.paused || next + slackMs > clock.now().getTime()) return
    if (Date.now() > deadline)
      throw new Error(`schedule ${id} did not advance past ${clock.now().toISOString()}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

async function scheduledJobs(backend: Backend, scheduleId: string): Promise<Job[]> {
  const jobs: Job[] = []
  let cursor: string | null = null
  do {
    const page = await backend.listJobs({ limit: 500, cursor })
    jobs.push(...page.jobs.filter((job) => job.metadata.durabl_schedule === scheduleId))
    cursor = page.nextCursor
  } while (cursor !== null)
  return jobs.sort((first, second) =>
    (first.metadata.durabl_occurrence ?? '').localeCompare(second.metadata.durabl_occurrence ?? ''),
  )
}

function occurrences(jobs: Job[]): number[] {
  return jobs.map((job) => Date.parse(job.metadata.durabl_occurrence ?? ''))
}

function second(n: number): number {
  return BASE_TIME_MS + n * SECOND
}

function minute(n: number): number {
  return BASE_TIME_MS + n * MINUTE
}

function expectedSeconds(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => second(from + index))
}
