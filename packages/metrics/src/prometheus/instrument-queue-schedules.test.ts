import { JobQueue, type JobQueueEventName, ValidationError } from '@durabl/core'
import { MemoryBackend, TestClock } from '@durabl/testing'
import { Registry } from 'prom-client'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { allSeries, seriesValue } from '../../test/support/prom-values.js'
import { waitFor } from '../../test/support/wait-for.js'
import { instrumentQueue } from './instrument-queue.js'
import type { InstrumentableQueue } from './instrumentable-queue.js'
import { METRIC_NAMES } from './metric-names.js'

const SECOND = 1_000
const MINUTE = 60 * SECOND
const T0 = new Date('2030-01-01T00:00:00.000Z')

const queues: JobQueue[] = []
afterEach(async () => {
  await Promise.all(queues.splice(0).map((queue) => queue.shutdown(0)))
})

/** A queue on a TestClock over a MemoryBackend, counting the schedule events it emits. */
function scheduleQueue() {
  const backend = new MemoryBackend()
  const clock = new TestClock(T0)
  const queue = new JobQueue(backend, { clock, workerId: 'worker-1' })
  queues.push(queue)
  const counts = new Map<JobQueueEventName, number>()
  const events: JobQueueEventName[] = [
    'schedule:enqueued',
    'schedule:skipped',
    'schedule:missed',
    'queue:error',
  ]
  for (const event of events) queue.on(event, () => counts.set(event, (counts.get(event) ?? 0) + 1))
  const count = (event: JobQueueEventName) => counts.get(event) ?? 0
  const waitForEvents = (event: JobQueueEventName, times: number) =>
    waitFor(`${times} × ${event}`, () => count(event) >= times)
  return { backend, clock, queue, count, waitForEvents }
}

/**
 * Created at T0; the queue starts 10.5 minutes later, so minutes 1 to 10 are late (grace 10 s):
 * `sweep` (catch-up latest, overlap skip) runs minute 10 caught up and misses 9; `ping` (catch-up
 * none) misses all 10. A minute on, `ping` runs on time and `sweep`'s run is skipped behind the
 * caught-up job, still pending (no processor).
 */
async function afterDowntime(registry: Registry) {
  const harness = scheduleQueue()
  const { queue, clock, waitForEvents } = harness
  await queue.schedules.upsert('sweep', {
    everyMs: MINUTE,
    type: 'sweep',
    overlap: 'skip',
    catchUp: { policy: 'latest', graceMs: 10 * SECOND },
  })
  await queue.schedules.upsert('ping', {
    everyMs: MINUTE,
    type: 'ping',
    catchUp: { policy: 'none', graceMs: 10 * SECOND },
  })
  instrumentQueue(queue, { registry, queueName: 'main' })
  clock.set(new Date(T0.getTime() + 10 * MINUTE + 30 * SECOND))
  await queue.startup()
  await waitForEvents('schedule:enqueued', 1)
  await waitForEvents('schedule:missed', 2)
  await clock.advance(30 * SECOND)
  await waitForEvents('schedule:enqueued', 2)
  await waitForEvents('schedule:skipped', 1)
  return harness
}

describe('instrumentQueue: schedules', () => {
  it('counts runs (caught up or not), skipped and missed occurrences, and observes the lag', async () => {
    const registry = new Registry()
    const { count } = await afterDowntime(registry)
    const sweep = { queue: 'main', schedule: 'sweep' }
    const ping = { queue: 'main', schedule: 'ping' }
    expect(await seriesValue(registry, METRIC_NAMES.scheduleRuns, { ...sweep, caught_up: 'true' })).toBe(1)
    expect(await seriesValue(registry, METRIC_NAMES.scheduleRuns, { ...sweep, caught_up: 'false' })).toBe(0)
    expect(await seriesValue(registry, METRIC_NAMES.scheduleSkipped, sweep)).toBe(1)
    expect(await seriesValue(registry, METRIC_NAMES.scheduleMissed, sweep)).toBe(9)
    expect(await seriesValue(registry, METRIC_NAMES.scheduleRuns, { ...ping, caught_up: 'false' })).toBe(1)
    expect(await seriesValue(registry, METRIC_NAMES.scheduleRuns, { ...ping, caught_up: 'true' })).toBe(0)
    expect(await seriesValue(registry, METRIC_NAMES.scheduleSkipped, ping)).toBe(0)
    expect(await seriesValue(registry, METRIC_NAMES.scheduleMissed, ping)).toBe(10)

    const lag = METRIC_NAMES.scheduleLagSeconds
    // The caught-up run of minute 10 was enqueued at 10:30: 30 s late. Ping's on-time run: 0 s.
    expect(await seriesValue(registry, lag, sweep, `${lag}_count`)).toBe(1)
    expect(await seriesValue(registry, lag, sweep, `${lag}_sum`)).toBe(30)
    expect(await seriesValue(registry, lag, { ...sweep, le: 10 }, `${lag}_bucket`)).toBe(0)
    expect(await seriesValue(registry, lag, { ...sweep, le: 30 }, `${lag}_bucket`)).toBe(1)
    expect(await seriesValue(registry, lag, ping, `${lag}_count`)).toBe(1)
    expect(await seriesValue(registry, lag, ping, `${lag}_sum`)).toBe(0)
    expect(count('queue:error')).toBe(0)
  })

  it("exports each schedule's next run from the scheduler's memory, leaving paused and ended ones out", async () => {
    const registry = new Registry()
    const { backend, queue, clock, waitForEvents } = await afterDowntime(registry)
    await queue.schedules.upsert('once', { everyMs: MINUTE, type: 'once', limit: 1 })
    await clock.advance(MINUTE)
    await waitForEvents('schedule:enqueued', 4)
    await queue.schedules.pause('ping')
    expect((await queue.schedules.get('once'))?.nextRunAt).toBeNull()

    const store = backend.schedules
    if (store === undefined) throw new Error('MemoryBackend stores schedules')
    const reads = [
      vi.spyOn(store, 'getSchedule'),
      vi.spyOn(store, 'listSchedules'),
      vi.spyOn(backend, 'getStats'),
    ]
    const series = await allSeries(registry, METRIC_NAMES.scheduleNextRunTimestampSeconds)
    // Now 12:00 past T0: sweep's next run is minute 13. Ping is paused, `once` ended (limit 1).
    expect(series).toEqual([
      { labels: { queue: 'main', schedule: 'sweep' }, value: (T0.getTime() + 13 * MINUTE) / 1000 },
    ])
    for (const read of reads) expect(read).not.toHaveBeenCalled()
    // `once` was seen, so its counters exist; its run was on time.
    expect(
      await seriesValue(registry, METRIC_NAMES.scheduleRuns, {
        queue: 'main',
        schedule: 'once',
        caught_up: 'false',
      }),
    ).toBe(1)
  })

  it('creates a schedule’s series at 0 as soon as the scheduler holds it, before any event', async () => {
    const registry = new Registry()
    const { queue } = scheduleQueue()
    await queue.schedules.upsert('quiet', { everyMs: 24 * 60 * MINUTE, type: 'quiet' })
    await queue.startup()
    instrumentQueue(queue, { registry, queueName: 'main' })
    const quiet = { queue: 'main', schedule: 'quiet' }
    expect(await seriesValue(registry, METRIC_NAMES.scheduleMissed, quiet)).toBe(0)
    expect(await seriesValue(registry, METRIC_NAMES.scheduleSkipped, quiet)).toBe(0)
    expect(await seriesValue(registry, METRIC_NAMES.scheduleRuns, { ...quiet, caught_up: 'false' })).toBe(0)
    expect(await seriesValue(registry, METRIC_NAMES.scheduleRuns, { ...quiet, caught_up: 'true' })).toBe(0)
    expect(await seriesValue(registry, METRIC_NAMES.scheduleNextRunTimestampSeconds, quiet)).toBe(
      (T0.getTime() + 24 * 60 * MINUTE) / 1000,
    )
  })

  it('puts only queue, schedule and caught_up in labels: never a job id', async () => {
    const registry = new Registry()
    const { backend } = await afterDowntime(registry)
    const text = await registry.metrics()
    const jobs = await backend.listJobs({ filter: {}, limit: 10 })
    expect(jobs.jobs.length).toBeGreaterThan(0)
    for (const job of jobs.jobs) expect(text).not.toContain(job.id)
    const scheduleLines = text.split('\n').filter((line) => line.startsWith('durabl_schedule_'))
    for (const line of scheduleLines) {
      const labels = [...line.matchAll(/([a-z_]+)="/g)].map((match) => match[1])
      for (const label of labels) expect(['queue', 'schedule', 'caught_up', 'le']).toContain(label)
    }
  })

  it('scrapes without schedules from a queue without them, or whose local() throws', async () => {
    const registry = new Registry()
    const onError = vi.fn()
    const bare: InstrumentableQueue = { on: () => undefined, off: () => undefined, getStats: vi.fn() }
    instrumentQueue(bare, { registry, queueName: 'bare', collectStats: false })
    let broken = false
    const throwing: InstrumentableQueue = {
      ...bare,
      schedules: {
        local: () => {
          if (broken) throw new Error('scheduler snapshot failed')
          return []
        },
      },
    }
    instrumentQueue(throwing, { registry, queueName: 'throwing', collectStats: false, onError })
    broken = true
    expect(await allSeries(registry, METRIC_NAMES.scheduleNextRunTimestampSeconds)).toEqual([])
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'scheduler snapshot failed' }))
    expect(await registry.metrics()).toContain(METRIC_NAMES.scheduleNextRunTimestampSeconds)
  })

  it('checks scheduleLagBucketsSeconds', () => {
    const { queue } = scheduleQueue()
    expect(() =>
      instrumentQueue(queue, { registry: new Registry(), scheduleLagBucketsSeconds: [1, 0.5] }),
    ).toThrow(ValidationError)
    expect(() => instrumentQueue(queue, { registry: new Registry(), scheduleLagBucketsSeconds: [] })).toThrow(
      'options.scheduleLagBucketsSeconds',
    )
  })
})
