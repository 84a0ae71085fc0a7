import { Counter, type Gauge, Histogram, type Registry, type RegistryContentType } from 'prom-client'
import type { ConcurrencySnapshot } from './instrumentable-queue.js'
import { METRIC_NAMES } from './metric-names.js'
import { ScheduleMetrics } from './schedule-metrics.js'
import { type MetricsSource, registerScrapeGauges } from './scrape-gauges.js'

export interface MetricBuckets {
  waitBucketsSeconds: number[]
  durationBucketsSeconds: number[]
  scheduleLagBucketsSeconds: number[]
}

type QueueType = 'queue' | 'type'

const OPENMETRICS_CONTENT_TYPE_PREFIX = 'application/openmetrics-text'

/**
 * Every durabl metric of one registry, registered once however many queues are instrumented;
 * series are told apart by the `queue` label. Gauges read their values when the registry is
 * scraped, from the queues currently attached as sources.
 */
export class QueueMetrics {
  static readonly #byRegistry = new WeakMap<object, QueueMetrics>()

  /** The metrics of `registry`, registered on first use with `buckets`. */
  static for(registry: Registry<RegistryContentType>, buckets: MetricBuckets): QueueMetrics {
    const known = QueueMetrics.#byRegistry.get(registry)
    // `registry.clear()` (common in tests and hot reloads) drops our metrics: register them again.
    if (known && registry.getSingleMetric(METRIC_NAMES.jobs) === known.#marker) return known
    const metrics = new QueueMetrics(registry, buckets)
    QueueMetrics.#byRegistry.set(registry, metrics)
    return metrics
  }

  readonly sources = new Map<string, MetricsSource>()
  readonly jobsEnqueued: Counter<QueueType>
  readonly jobsDeduplicated: Counter<QueueType>
  readonly jobsCompleted: Counter<QueueType>
  readonly jobsRetried: Counter<QueueType>
  readonly jobsFailed: Counter<QueueType>
  readonly jobsCancelled: Counter<QueueType>
  readonly jobsReleased: Counter<QueueType>
  readonly jobsSnoozed: Counter<QueueType>
  readonly leasesLost: Counter<QueueType>
  readonly staleJobsRecovered: Counter<'queue' | 'state'>
  readonly queueErrors: Counter<'queue'>
  readonly statsErrors: Counter<'queue'>
  readonly jobWaitSeconds: Histogram<QueueType>
  readonly jobDurationSeconds: Histogram<QueueType>
  readonly schedules: ScheduleMetrics
  readonly #perTypeCounters: Array<Counter<QueueType>>
  /** The metric whose presence in the registry shows these metrics are still registered. */
  readonly #marker: Gauge<'queue' | 'type' | 'state'>

  private constructor(registry: Registry<RegistryContentType>, buckets: MetricBuckets) {
    const existing = registry.getSingleMetric(METRIC_NAMES.jobs)
    if (existing) {
      throw new Error(
        `the registry already has a metric named ${METRIC_NAMES.jobs} that this copy of @durabl/metrics did not register (two copies of @durabl/metrics, or a name clash); instrument each registry from one copy`,
      )
    }
    const registers = [registry]
    // prom-client appends `_total` to counter samples itself when the registry speaks OpenMetrics.
    const openMetrics = String(registry.contentType).startsWith(OPENMETRICS_CONTENT_TYPE_PREFIX)
    const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
      new Counter<L>({
        name: openMetrics ? name.replace(/_total$/, '') : name,
        help,
        labelNames,
        registers,
      })
    const byType: QueueType[] = ['queue', 'type']

    this.jobsEnqueued = counter(METRIC_NAMES.jobsEnqueued, 'Jobs written to the queue.', byType)
    this.jobsDeduplicated = counter(
      METRIC_NAMES.jobsDeduplicated,
      'Enqueues blocked by a dedupe key (the call returned null).',
      byType,
    )
    this.jobsCompleted = counter(METRIC_NAMES.jobsCompleted, 'Attempts that completed their job.', byType)
    this.jobsRetried = counter(
      METRIC_NAMES.jobsRetried,
      'Attempts that failed and put the job back to pending for another attempt.',
      byType,
    )
    this.jobsFailed = counter(
      METRIC_NAMES.jobsFailed,
      'Attempts that failed and failed the job for good (no attempts left, or unrecoverable).',
      byType,
    )
    this.jobsCancelled = counter(
      METRIC_NAMES.jobsCancelled,
      'Attempts that ended because their job was cancelled while running; the job is cancelled.',
      byType,
    )
    this.jobsReleased = counter(
      METRIC_NAMES.jobsReleased,
      'Jobs given back unfinished at shutdown, to be started again by any worker.',
      byType,
    )
    this.jobsSnoozed = counter(
      METRIC_NAMES.jobsSnoozed,
      'Attempts that snoozed their job (ctx.snooze): back to pending for later, the attempt not counted.',
      byType,
    )
    this.leasesLost = counter(
      METRIC_NAMES.leasesLost,
      'Leases this process lost while running a job; the attempt outcome was not applied.',
      byType,
    )
    this.staleJobsRecovered = counter(
      METRIC_NAMES.staleJobsRecovered,
      'Jobs whose lease expired (their worker died or stalled), by the state recovery moved them to: pending, failed at the attempt cap, or cancelled when their cancel had been requested.',
      ['queue', 'state'],
    )
    this.queueErrors = counter(
      METRIC_NAMES.queueErrors,
      'Background errors reported by the queue (claims, heartbeats, acknowledgements, recovery, listeners, hooks).',
      ['queue'],
    )
    this.statsErrors = counter(
      METRIC_NAMES.statsErrors,
      'getStats() calls that failed while collecting a scrape.',
      ['queue'],
    )
    this.jobWaitSeconds = new Histogram({
      name: METRIC_NAMES.jobWaitSeconds,
      help: 'Seconds from a job being due to an attempt starting.',
      labelNames: byType,
      buckets: buckets.waitBucketsSeconds,
      registers,
    })
    this.jobDurationSeconds = new Histogram({
      name: METRIC_NAMES.jobDurationSeconds,
      help: 'Seconds an attempt ran, from its start to its recorded outcome, for attempts that completed or failed.',
      labelNames: byType,
      buckets: buckets.durationBucketsSeconds,
      registers,
    })

    this.#perTypeCounters = [
      this.jobsEnqueued,
      this.jobsDeduplicated,
      this.jobsCompleted,
      this.jobsRetried,
      this.jobsFailed,
      this.jobsCancelled,
      this.jobsReleased,
      this.jobsSnoozed,
      this.leasesLost,
    ]
    this.schedules = new ScheduleMetrics(registers, counter, buckets.scheduleLagBucketsSeconds, this.sources)
    this.#marker = registerScrapeGauges(registers, this.sources)
  }

  /** Creates a type's counter and histogram series at 0, so they exist before their first event. */
  zeroType(labels: { queue: string; type: string }): void {
    for (const counter of this.#perTypeCounters) counter.inc(labels, 0)
    this.jobWaitSeconds.zero(labels)
    this.jobDurationSeconds.zero(labels)
  }
}

/** Turns a runtime concurrency snapshot into what the slot gauges show. */
export function slotsFromSnapshot(snapshot: ConcurrencySnapshot): ReturnType<MetricsSource['slots']> {
  return {
    instanceLimit: snapshot.limit,
    types: snapshot.types.map((entry) => ({ type: entry.type, inUse: entry.inUse, limit: entry.limit })),
  }
}
