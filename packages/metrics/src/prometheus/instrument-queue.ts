import { type JobQueueEventName, type JobQueueListener, normalizeError, ValidationError } from '@durabl/core'
import { type InstrumentQueueOptions, resolveInstrumentQueueOptions } from './instrument-queue-options.js'
import type { InstrumentableQueue } from './instrumentable-queue.js'
import { QueueMetrics, slotsFromSnapshot } from './queue-metrics.js'
import type { ScheduleSnapshot } from './schedule-metrics.js'
import type { MetricsSource } from './scrape-gauges.js'
import { SlotTracker } from './slot-tracker.js'
import { StatsCache } from './stats-cache.js'

/** What `instrumentQueue` returns. */
export interface QueueInstrumentation {
  /** The `queue` label of this queue's series. */
  readonly queueName: string
  /**
   * Stops instrumenting: removes the event listeners and takes this queue's scrape-time gauges
   * (stats and slots) out of the registry output. Counters and histograms keep their values and
   * stay registered, so totals do not jump backwards; instrumenting the same queue name again
   * continues them. Idempotent.
   */
  stop(): void
}

/**
 * Exports a queue's activity as Prometheus metrics in `options.registry` (prom-client's global
 * `register` by default). Counters and histograms are fed by the queue's events; the job-state
 * gauges are read with `queue.getStats()` when the registry is scraped, cached for
 * `statsCacheMs`. Several queues may share one registry: the metrics are registered once and
 * told apart by the `queue` label, so each needs its own `queueName`.
 *
 * ```ts
 * const metrics = instrumentQueue(queue, { queueName: 'emails' })
 * // … later
 * metrics.stop()
 * ```
 */
export function instrumentQueue(
  queue: InstrumentableQueue,
  options?: InstrumentQueueOptions,
): QueueInstrumentation {
  if (
    typeof queue !== 'object' ||
    queue === null ||
    typeof queue.on !== 'function' ||
    typeof queue.off !== 'function' ||
    typeof queue.getStats !== 'function'
  ) {
    throw new ValidationError('queue', 'must be a JobQueue (with on, off and getStats)', queue)
  }
  const resolved = resolveInstrumentQueueOptions(options)
  const { queueName, registry } = resolved
  const metrics = QueueMetrics.for(registry, resolved)
  if (metrics.sources.has(queueName)) {
    throw new ValidationError(
      'options.queueName',
      'must be unique among the queues instrumented in one registry (stop() the other first)',
      queueName,
    )
  }

  // The user's callback must not turn a scrape into a failure either.
  const reportError = (error: unknown) => {
    try {
      resolved.onError?.(normalizeError(error))
    } catch {
      // Ignored: reporting must not break the scrape that is reporting.
    }
  }
  const queueClock = queue.options?.clock
  const now = resolved.now ?? (queueClock ? () => queueClock.now() : () => new Date())
  const nowMs = () => now().getTime()
  const cache = new StatsCache({
    load: () => queue.getStats(),
    maxAgeMs: resolved.statsCacheMs,
    nowMs,
    onError: (error) => {
      metrics.statsErrors.inc({ queue: queueName })
      reportError(error)
    },
  })
  const tracker = new SlotTracker()
  const instanceLimit = queue.options?.instanceConcurrency ?? null
  // A schedule's series start at 0 when it is first seen (in an event or in the scheduler's view
  // at a scrape), so increase() counts its first run, skip or miss.
  const seenSchedules = new Set<string>()
  const bySchedule = (schedule: string) => {
    const labels = { queue: queueName, schedule }
    if (!seenSchedules.has(schedule)) {
      seenSchedules.add(schedule)
      metrics.schedules.zeroSchedule(labels)
    }
    return labels
  }
  const localSchedules = (): ReadonlyArray<ScheduleSnapshot> => {
    if (typeof queue.schedules?.local !== 'function') return []
    try {
      const schedules = queue.schedules.local()
      for (const schedule of schedules) bySchedule(schedule.id)
      return schedules
    } catch (error) {
      // A scrape must not fail over schedules: leave them out of this one.
      reportError(error)
      return []
    }
  }
  const source: MetricsSource = {
    queueName,
    stats: resolved.collectStats ? () => cache.get() : null,
    nowMs,
    slots: () => {
      if (typeof queue.getConcurrency === 'function') {
        try {
          return slotsFromSnapshot(queue.getConcurrency())
        } catch (error) {
          // A scrape must not fail over slots: fall back to the event count.
          reportError(error)
        }
      }
      return { instanceLimit, types: tracker.snapshot().map((entry) => ({ ...entry, limit: null })) }
    },
    schedules: localSchedules,
    typeControls: () => {
      if (typeof queue.localTypeControls !== 'function') return []
      try {
        return queue.localTypeControls()
      } catch (error) {
        // A scrape must not fail over the controls: leave them out of this one.
        reportError(error)
        return []
      }
    },
  }

  const unsubscribes: Array<() => void> = []
  const on = <E extends JobQueueEventName>(event: E, listener: JobQueueListener<E>) => {
    queue.on(event, listener)
    unsubscribes.push(() => queue.off(event, listener))
  }
  // A type's series start at 0 when it is first seen, so the first failure shows in rate() and
  // ratios of two counters exist before both have moved.
  const seenTypes = new Set<string>()
  const byType = (type: string) => {
    const labels = { queue: queueName, type }
    if (!seenTypes.has(type)) {
      seenTypes.add(type)
      metrics.zeroType(labels)
    }
    return labels
  }

  on('job:enqueued', ({ type }) => metrics.jobsEnqueued.inc(byType(type)))
  on('job:duplicate', ({ type }) => metrics.jobsDeduplicated.inc(byType(type)))
  on('job:active', ({ job, waitMs }) => {
    tracker.start(job)
    metrics.jobWaitSeconds.observe(byType(job.type), waitMs / 1000)
  })
  on('job:completed', ({ job, durationMs }) => {
    tracker.finish(job)
    metrics.jobsCompleted.inc(byType(job.type))
    metrics.jobDurationSeconds.observe(byType(job.type), durationMs / 1000)
  })
  on('job:failed', ({ job, willRetry, durationMs }) => {
    tracker.finish(job)
    const counter = willRetry ? metrics.jobsRetried : metrics.jobsFailed
    counter.inc(byType(job.type))
    metrics.jobDurationSeconds.observe(byType(job.type), durationMs / 1000)
  })
  on('job:cancelled', ({ job }) => {
    tracker.finish(job)
    metrics.jobsCancelled.inc(byType(job.type))
  })
  on('job:released', ({ job }) => {
    tracker.finish(job)
    metrics.jobsReleased.inc(byType(job.type))
  })
  on('job:snoozed', ({ job }) => {
    tracker.finish(job)
    metrics.jobsSnoozed.inc(byType(job.type))
  })
  on('lease:lost', ({ job }) => {
    tracker.finish(job)
    metrics.leasesLost.inc(byType(job.type))
  })
  on('stale:recovered', ({ recovered, failed, cancelled }) => {
    if (recovered > 0) metrics.staleJobsRecovered.inc({ queue: queueName, state: 'pending' }, recovered)
    if (failed > 0) metrics.staleJobsRecovered.inc({ queue: queueName, state: 'failed' }, failed)
    // Absent from a queue of an older @durabl/core.
    if (cancelled > 0) metrics.staleJobsRecovered.inc({ queue: queueName, state: 'cancelled' }, cancelled)
  })
  on('queue:error', () => metrics.queueErrors.inc({ queue: queueName }))
  on('schedule:enqueued', ({ scheduleId, lagMs, caughtUp }) => {
    const labels = bySchedule(scheduleId)
    metrics.schedules.runs.inc({ ...labels, caught_up: caughtUp ? 'true' : 'false' })
    metrics.schedules.lagSeconds.observe(labels, lagMs / 1000)
  })
  on('schedule:skipped', ({ scheduleId }) => metrics.schedules.skipped.inc(bySchedule(scheduleId)))
  on('schedule:missed', ({ scheduleId, count }) =>
    metrics.schedules.missed.inc(bySchedule(scheduleId), count),
  )
  metrics.sources.set(queueName, source)
  for (const state of ['pending', 'failed', 'cancelled'])
    metrics.staleJobsRecovered.inc({ queue: queueName, state }, 0)
  metrics.queueErrors.inc({ queue: queueName }, 0)
  metrics.statsErrors.inc({ queue: queueName }, 0)
  // A queue instrumented after startup already holds its schedules.
  localSchedules()

  let stopped = false
  return {
    queueName,
    stop() {
      if (stopped) return
      stopped = true
      for (const unsubscribe of unsubscribes) unsubscribe()
      if (metrics.sources.get(queueName) === source) metrics.sources.delete(queueName)
    },
  }
}
