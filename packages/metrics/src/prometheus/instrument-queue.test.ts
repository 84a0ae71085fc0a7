import { type JobQueueEventName, type JobQueueListener, type QueueStats, ValidationError } from '@durabl/core'
import { type OpenMetricsContentType, Registry, register } from 'prom-client'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { allSeries, seriesValue } from '../../test/support/prom-values.js'
import { createQueueHarness, type QueueHarness } from '../../test/support/queue-harness.js'
import { deferred, waitFor } from '../../test/support/wait-for.js'
import { instrumentQueue } from './instrument-queue.js'
import type { InstrumentableQueue } from './instrumentable-queue.js'
import { METRIC_NAMES } from './metric-names.js'

const RETRY_AT_ONCE = { backoff: { type: 'fixed', delayMs: 0 } } as const

const harnesses: QueueHarness[] = []
function harness(...args: Parameters<typeof createQueueHarness>): QueueHarness {
  const created = createQueueHarness(...args)
  harnesses.push(created)
  return created
}

afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((created) => created.queue.shutdown(0)))
})

describe('instrumentQueue: counters and histograms', () => {
  it('counts exactly: 10 jobs, 3 failing once, 2 failing for good, 1 duplicate', async () => {
    const { queue, waitForEvents, errors } = harness()
    const registry = new Registry()
    instrumentQueue(queue, { registry, queueName: 'main' })
    queue.process(
      'email',
      async (job, context) => {
        if ((job.data as { i: number }).i < 3 && context.job.attempts === 1) throw new Error('flaky')
      },
      { concurrency: 4 },
    )
    queue.process('report', async () => {
      throw new Error('broken')
    })
    await queue.startup()
    for (let i = 0; i < 10; i++) await queue.enqueue('email', { i }, RETRY_AT_ONCE)
    for (let i = 0; i < 2; i++) await queue.enqueue('report', { i }, { maxAttempts: 1 })
    await waitForEvents('job:completed', 10)
    await waitForEvents('job:failed', 5)
    // Dedupe: the second enqueue with the same key is blocked while the first is pending.
    await queue.enqueue('digest', {}, { dedupeKey: 'daily', delayMs: 60_000 })
    expect(await queue.enqueue('digest', {}, { dedupeKey: 'daily', delayMs: 60_000 })).toBeNull()

    const email = { queue: 'main', type: 'email' }
    const report = { queue: 'main', type: 'report' }
    const digest = { queue: 'main', type: 'digest' }
    expect(await seriesValue(registry, METRIC_NAMES.jobsEnqueued, email)).toBe(10)
    expect(await seriesValue(registry, METRIC_NAMES.jobsEnqueued, report)).toBe(2)
    expect(await seriesValue(registry, METRIC_NAMES.jobsEnqueued, digest)).toBe(1)
    expect(await seriesValue(registry, METRIC_NAMES.jobsDeduplicated, digest)).toBe(1)
    expect(await seriesValue(registry, METRIC_NAMES.jobsCompleted, email)).toBe(10)
    expect(await seriesValue(registry, METRIC_NAMES.jobsRetried, email)).toBe(3)
    expect(await seriesValue(registry, METRIC_NAMES.jobsFailed, email)).toBe(0)
    expect(await seriesValue(registry, METRIC_NAMES.jobsCompleted, report)).toBe(0)
    expect(await seriesValue(registry, METRIC_NAMES.jobsRetried, report)).toBe(0)
    expect(await seriesValue(registry, METRIC_NAMES.jobsFailed, report)).toBe(2)
    // One observation per attempt: 10 first attempts + 3 retries.
    const waitCount = `${METRIC_NAMES.jobWaitSeconds}_count`
    const durationCount = `${METRIC_NAMES.jobDurationSeconds}_count`
    expect(await seriesValue(registry, METRIC_NAMES.jobWaitSeconds, email, waitCount)).toBe(13)
    expect(await seriesValue(registry, METRIC_NAMES.jobDurationSeconds, email, durationCount)).toBe(13)
    expect(await seriesValue(registry, METRIC_NAMES.jobWaitSeconds, report, waitCount)).toBe(2)
    expect(await seriesValue(registry, METRIC_NAMES.jobDurationSeconds, report, durationCount)).toBe(2)
    expect(await seriesValue(registry, METRIC_NAMES.queueErrors, { queue: 'main' })).toBe(0)
    expect(errors).toEqual([])
  })

  it('observes wait and duration in seconds, on the queue clock', async () => {
    const { queue, clock, waitForEvents } = harness()
    const registry = new Registry()
    instrumentQueue(queue, { registry })
    queue.process('slow', async () => {
      // 1.5 s of queue time pass while the handler runs.
      clock.set(new Date(clock.now().getTime() + 1_500))
    })
    await queue.startup()
    // Due 2 s ago when it is enqueued, and it starts at once: it waited 2 s.
    await queue.enqueue('slow', {}, { runAt: new Date(clock.now().getTime() - 2_000) })
    await waitForEvents('job:completed', 1)

    const labels = { queue: 'default', type: 'slow' }
    const waitSum = `${METRIC_NAMES.jobWaitSeconds}_sum`
    const durationSum = `${METRIC_NAMES.jobDurationSeconds}_sum`
    expect(await seriesValue(registry, METRIC_NAMES.jobWaitSeconds, labels, waitSum)).toBe(2)
    expect(await seriesValue(registry, METRIC_NAMES.jobDurationSeconds, labels, durationSum)).toBe(1.5)
    const bucket = `${METRIC_NAMES.jobDurationSeconds}_bucket`
    expect(await seriesValue(registry, METRIC_NAMES.jobDurationSeconds, { ...labels, le: 1 }, bucket)).toBe(0)
    expect(await seriesValue(registry, METRIC_NAMES.jobDurationSeconds, { ...labels, le: 2.5 }, bucket)).toBe(
      1,
    )
  })

  it('counts lease losses, cancels, releases and stale recoveries, and errors from the queue', async () => {
    const registry = new Registry()
    const listeners = new Map<JobQueueEventName, JobQueueListener<never>>()
    const fake: InstrumentableQueue = {
      on: (event, listener) => listeners.set(event, listener as JobQueueListener<never>),
      off: (event) => listeners.delete(event),
      getStats: async () => emptyStats(),
    }
    instrumentQueue(fake, { registry, queueName: 'q' })
    const emit = <E extends JobQueueEventName>(event: E, payload: Parameters<JobQueueListener<E>>[0]) =>
      (listeners.get(event) as JobQueueListener<E>)(payload)
    const job = { id: 'j1', type: 'sync', attempts: 1 } as never
    emit('job:active', { job, waitMs: 0 })
    emit('lease:lost', { job })
    emit('job:cancelled', { job, durationMs: 5 })
    emit('job:released', { job })
    emit('stale:recovered', { recovered: 3, failed: 1, cancelled: 0 })
    emit('stale:recovered', { recovered: 2, failed: 0, cancelled: 4 })
    emit('queue:error', { error: new Error('claim failed'), operation: 'claimJobs' })

    expect(await seriesValue(registry, METRIC_NAMES.leasesLost, { queue: 'q', type: 'sync' })).toBe(1)
    expect(await seriesValue(registry, METRIC_NAMES.jobsCancelled, { queue: 'q', type: 'sync' })).toBe(1)
    expect(await seriesValue(registry, METRIC_NAMES.jobsReleased, { queue: 'q', type: 'sync' })).toBe(1)
    expect(
      await seriesValue(registry, METRIC_NAMES.staleJobsRecovered, { queue: 'q', state: 'pending' }),
    ).toBe(5)
    expect(
      await seriesValue(registry, METRIC_NAMES.staleJobsRecovered, { queue: 'q', state: 'failed' }),
    ).toBe(1)
    expect(
      await seriesValue(registry, METRIC_NAMES.staleJobsRecovered, { queue: 'q', state: 'cancelled' }),
    ).toBe(4)
    expect(await seriesValue(registry, METRIC_NAMES.queueErrors, { queue: 'q' })).toBe(1)
  })

  it('never puts a job id, dedupe key or worker id in a label', async () => {
    const { queue, waitForEvents } = harness()
    const registry = new Registry()
    instrumentQueue(queue, { registry })
    queue.process('email', async () => {})
    await queue.startup()
    const id = await queue.enqueue('email', {}, { dedupeKey: 'customer-42' })
    await waitForEvents('job:completed', 1)
    const text = await registry.metrics()
    expect(id).not.toBeNull()
    expect(text).not.toContain(String(id))
    expect(text).not.toContain('customer-42')
    expect(text).not.toContain('worker-1')
    const labelNames = new Set(
      [...text.matchAll(/[{,]([a-z_]+)="/g)].map((match) => match[1]).filter((name) => name !== 'le'),
    )
    expect([...labelNames].sort()).toEqual(['queue', 'state', 'type'])
  })
})

describe('instrumentQueue: scrape-time gauges', () => {
  it('reports jobs by state, the due backlog and the oldest due job age from getStats', async () => {
    const { queue, clock, backend } = harness()
    const registry = new Registry()
    instrumentQueue(queue, { registry, queueName: 'producer' })
    await queue.startup()
    for (let i = 0; i < 3; i++) await queue.enqueue('email', { i })
    const cancelled = await queue.enqueue('email', { i: 3 })
    await queue.cancelJob(String(cancelled))
    await clock.advance(10_000)
    await queue.enqueue('email', { late: true })
    for (let i = 0; i < 2; i++) await queue.enqueue('report', { i }, { delayMs: 60_000 })
    const getStats = vi.spyOn(backend, 'getStats')

    const email = { queue: 'producer', type: 'email' }
    const report = { queue: 'producer', type: 'report' }
    expect(await seriesValue(registry, METRIC_NAMES.jobs, { ...email, state: 'pending' })).toBe(4)
    expect(await seriesValue(registry, METRIC_NAMES.jobs, { ...email, state: 'cancelled' })).toBe(1)
    expect(await seriesValue(registry, METRIC_NAMES.jobs, { ...email, state: 'active' })).toBe(0)
    expect(await seriesValue(registry, METRIC_NAMES.jobs, { ...report, state: 'pending' })).toBe(2)
    expect(await seriesValue(registry, METRIC_NAMES.jobsDue, email)).toBe(4)
    expect(await seriesValue(registry, METRIC_NAMES.jobsDue, report)).toBe(0)
    expect(await seriesValue(registry, METRIC_NAMES.oldestDueJobAgeSeconds, email)).toBe(10)
    expect(await seriesValue(registry, METRIC_NAMES.oldestDueJobAgeSeconds, report)).toBe(0)
    // Three gauges were collected, one getStats read.
    expect(getStats).toHaveBeenCalledTimes(1)
  })

  it('reuses getStats for statsCacheMs and shares a read in flight between scrapes', async () => {
    const { queue, clock, backend } = harness()
    const registry = new Registry()
    instrumentQueue(queue, { registry, statsCacheMs: 5_000 })
    await queue.startup()
    await queue.enqueue('email', {})
    const getStats = vi.spyOn(backend, 'getStats')

    await registry.metrics()
    await registry.metrics()
    expect(getStats).toHaveBeenCalledTimes(1)
    await clock.advance(4_999)
    await registry.metrics()
    expect(getStats).toHaveBeenCalledTimes(1)
    await queue.enqueue('email', {})
    await clock.advance(1)
    // Expired: concurrent scrapes share one read, and see the new job.
    const [first, second] = await Promise.all([registry.metrics(), registry.metrics()])
    expect(getStats).toHaveBeenCalledTimes(2)
    expect(first).toContain('durabl_jobs{queue="default",type="email",state="pending"} 2')
    expect(second).toContain('durabl_jobs{queue="default",type="email",state="pending"} 2')
  })

  it('shares one slow read between scrapes that arrive while it is in flight', async () => {
    const registry = new Registry()
    const release = deferred<QueueStats>()
    const getStats = vi.fn(() => release.promise)
    instrumentQueue({ on: () => {}, off: () => {}, getStats }, { registry, statsCacheMs: 0 })
    const scrapes = Promise.all([registry.metrics(), registry.metrics(), registry.metrics()])
    await waitFor('the read to start', () => getStats.mock.calls.length > 0)
    release.resolve(statsWith('email', { pending: 7, due: 7 }))
    const texts = await scrapes
    expect(getStats).toHaveBeenCalledTimes(1)
    for (const text of texts) expect(text).toContain('durabl_jobs_due{queue="default",type="email"} 7')
    // statsCacheMs 0: the next scrape reads again.
    await registry.metrics()
    expect(getStats).toHaveBeenCalledTimes(2)
  })

  it('leaves the stats out of a scrape when getStats fails, counts it and reports it', async () => {
    const registry = new Registry()
    const onError = vi.fn()
    const getStats = vi
      .fn<() => Promise<QueueStats>>()
      .mockRejectedValueOnce(new Error('mongo unreachable'))
      .mockResolvedValue(statsWith('email', { pending: 1, due: 1 }))
    instrumentQueue({ on: () => {}, off: () => {}, getStats }, { registry, onError, statsCacheMs: 0 })

    const text = await registry.metrics()
    expect(text).not.toMatch(/^durabl_jobs\{/m)
    expect(await seriesValue(registry, METRIC_NAMES.statsErrors, { queue: 'default' })).toBe(1)
    expect(onError).toHaveBeenCalledTimes(1)
    expect(onError.mock.calls[0]?.[0]).toBeInstanceOf(Error)
    // The failure is not cached: the next scrape reads again and succeeds.
    expect(await registry.metrics()).toContain('durabl_jobs_due{queue="default",type="email"} 1')
  })

  it('does not read stats when collectStats is false', async () => {
    const registry = new Registry()
    const getStats = vi.fn(async () => emptyStats())
    instrumentQueue({ on: () => {}, off: () => {}, getStats }, { registry, collectStats: false })
    await registry.metrics()
    expect(getStats).not.toHaveBeenCalled()
  })

  it('reports slots in use per type and the instance limit', async () => {
    const { queue, waitForEvents } = harness({ instanceConcurrency: 8 })
    const registry = new Registry()
    instrumentQueue(queue, { registry })
    const gate = deferred()
    queue.process('email', () => gate.promise, { concurrency: 3 })
    await queue.startup()
    for (let i = 0; i < 5; i++) await queue.enqueue('email', { i })
    await waitForEvents('job:active', 3)

    const email = { queue: 'default', type: 'email' }
    expect(await seriesValue(registry, METRIC_NAMES.workerSlotsInUse, email)).toBe(3)
    expect(await seriesValue(registry, METRIC_NAMES.workerInstanceSlotsLimit, { queue: 'default' })).toBe(8)
    // JobQueue.getConcurrency() gives the per-type limit too.
    expect(await seriesValue(registry, METRIC_NAMES.workerSlotsLimit, email)).toBe(3)
    gate.resolve()
    await waitForEvents('job:completed', 5)
    expect(await seriesValue(registry, METRIC_NAMES.workerSlotsInUse, email)).toBe(0)
  })

  it("prefers the runtime's getConcurrency() for slots when the queue has it", async () => {
    const registry = new Registry()
    const queue: InstrumentableQueue = {
      on: () => {},
      off: () => {},
      getStats: async () => emptyStats(),
      options: { instanceConcurrency: 50 },
      getConcurrency: () => ({
        limit: 20,
        inUse: 4,
        types: [
          { type: 'email', limit: 10, inUse: 3 },
          { type: 'report', limit: 2, inUse: 1 },
        ],
      }),
    }
    instrumentQueue(queue, { registry })
    expect(await seriesValue(registry, METRIC_NAMES.workerInstanceSlotsLimit, { queue: 'default' })).toBe(20)
    expect(
      await seriesValue(registry, METRIC_NAMES.workerSlotsLimit, { queue: 'default', type: 'email' }),
    ).toBe(10)
    expect(
      await seriesValue(registry, METRIC_NAMES.workerSlotsInUse, { queue: 'default', type: 'report' }),
    ).toBe(1)
  })
  it('falls back to the event count when getConcurrency() throws, and reports it', async () => {
    const registry = new Registry()
    const onError = vi.fn()
    const queue: InstrumentableQueue = {
      on: () => {},
      off: () => {},
      getStats: async () => emptyStats(),
      options: { instanceConcurrency: 5 },
      getConcurrency: () => {
        throw new Error('not ready')
      },
    }
    instrumentQueue(queue, { registry, onError })
    expect(await seriesValue(registry, METRIC_NAMES.workerInstanceSlotsLimit, { queue: 'default' })).toBe(5)
    expect(onError).toHaveBeenCalled()
  })
})

describe('instrumentQueue: registries, names and stop()', () => {
  it('registers once per registry and labels several queues by name', async () => {
    const first = harness()
    const second = harness()
    const registry = new Registry()
    instrumentQueue(first.queue, { registry, queueName: 'a' })
    instrumentQueue(second.queue, { registry, queueName: 'b' })
    await first.queue.startup()
    await second.queue.startup()
    await first.queue.enqueue('email', {})
    await second.queue.enqueue('email', {})
    await second.queue.enqueue('email', {})

    expect(await seriesValue(registry, METRIC_NAMES.jobsEnqueued, { queue: 'a', type: 'email' })).toBe(1)
    expect(await seriesValue(registry, METRIC_NAMES.jobsEnqueued, { queue: 'b', type: 'email' })).toBe(2)
    expect(
      await seriesValue(registry, METRIC_NAMES.jobs, { queue: 'b', type: 'email', state: 'pending' }),
    ).toBe(2)
    expect(() => instrumentQueue(first.queue, { registry, queueName: 'a' })).toThrow(ValidationError)
  })

  it('stop() removes the listeners and the scrape-time series, and frees the name', async () => {
    const { queue } = harness()
    const registry = new Registry()
    const metrics = instrumentQueue(queue, { registry, queueName: 'a' })
    await queue.startup()
    await queue.enqueue('email', {})
    metrics.stop()
    metrics.stop()
    await queue.enqueue('email', {})

    expect(await seriesValue(registry, METRIC_NAMES.jobsEnqueued, { queue: 'a', type: 'email' })).toBe(1)
    expect(await allSeries(registry, METRIC_NAMES.jobs)).toEqual([])
    expect(await allSeries(registry, METRIC_NAMES.workerInstanceSlotsLimit)).toEqual([])
    const again = instrumentQueue(queue, { registry, queueName: 'a' })
    await queue.enqueue('email', {})
    // Counters continue where they were.
    expect(await seriesValue(registry, METRIC_NAMES.jobsEnqueued, { queue: 'a', type: 'email' })).toBe(2)
    again.stop()
  })

  it("uses prom-client's global register by default and registers again after register.clear()", async () => {
    const { queue } = harness()
    const metrics = instrumentQueue(queue)
    try {
      expect(register.getSingleMetric(METRIC_NAMES.jobsEnqueued)).toBeDefined()
      metrics.stop()
      register.clear()
      const again = instrumentQueue(queue)
      expect(register.getSingleMetric(METRIC_NAMES.jobsEnqueued)).toBeDefined()
      again.stop()
    } finally {
      metrics.stop()
      register.clear()
    }
  })

  it('names counters so an OpenMetrics registry does not double the _total suffix', async () => {
    const { queue } = harness()
    const registry = new Registry<OpenMetricsContentType>()
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE)
    instrumentQueue(queue, { registry })
    await queue.startup()
    await queue.enqueue('email', {})
    const text = await registry.metrics()
    expect(text).toContain('durabl_jobs_enqueued_total{queue="default",type="email"} 1')
    expect(text).not.toContain('_total_total')
  })

  it('follows Prometheus naming: durabl_ prefix, _total counters, _seconds histograms', async () => {
    const registry = new Registry()
    instrumentQueue({ on: () => {}, off: () => {}, getStats: async () => emptyStats() }, { registry })
    for (const metric of await registry.getMetricsAsJSON()) {
      expect(metric.name).toMatch(/^durabl_[a-z_]+$/)
      if (String(metric.type) === 'counter') expect(metric.name).toMatch(/_total$/)
      if (String(metric.type) === 'histogram') expect(metric.name).toMatch(/_seconds$/)
    }
  })

  it('validates its options, naming the field', () => {
    const queue: InstrumentableQueue = { on: () => {}, off: () => {}, getStats: async () => emptyStats() }
    expect(() => instrumentQueue(queue, { statsCacheMs: -1 })).toThrow('options.statsCacheMs must be')
    expect(() => instrumentQueue(queue, { queueName: '' })).toThrow('options.queueName must be')
    expect(() => instrumentQueue(queue, { statsCache: 5 } as never)).toThrow(
      'options.statsCache is not a known',
    )
    expect(() => instrumentQueue(queue, { registry: {} as never })).toThrow('options.registry must be')
    expect(() => instrumentQueue(queue, { waitBucketsSeconds: [1, 1] })).toThrow(
      'options.waitBucketsSeconds[1] must be greater',
    )
    expect(() => instrumentQueue({} as never)).toThrow(ValidationError)
  })
})

function emptyStats(): QueueStats {
  return {
    types: [],
    total: {
      pending: 0,
      active: 0,
      completed: 0,
      failed: 0,
      cancelled: 0,
      due: 0,
      delayed: 0,
      oldestDueAt: null,
    },
  }
}

function statsWith(type: string, counts: { pending: number; due: number }): QueueStats {
  const entry = {
    pending: counts.pending,
    active: 0,
    completed: 0,
    failed: 0,
    cancelled: 0,
    due: counts.due,
    delayed: counts.pending - counts.due,
    oldestDueAt: null,
  }
  return { types: [{ type, ...entry }], total: entry }
}
