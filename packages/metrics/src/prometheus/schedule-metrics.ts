import { type Counter, Gauge, Histogram, type Registry, type RegistryContentType } from 'prom-client'
import { METRIC_NAMES } from './metric-names.js'

type QueueSchedule = 'queue' | 'schedule'

/** A schedule as this process's scheduler last saw it (`queue.schedules.local()`). */
export interface ScheduleSnapshot {
  readonly id: string
  readonly paused: boolean
  /** Null once the schedule ended (its `limit` reached, or past its `endAt`). */
  readonly nextRunAt: Date | null
}

/** One instrumented queue, as the next-run gauge sees it at scrape time. */
export interface ScheduleSource {
  readonly queueName: string
  /** The schedules this queue's scheduler holds, read from memory: never a database call. */
  schedules(): ReadonlyArray<ScheduleSnapshot>
}

type CounterFactory = <L extends string>(name: string, help: string, labelNames: L[]) => Counter<L>

/**
 * The schedule metrics of one registry: counters and the lag histogram fed by the schedule
 * events, and the next-run gauge read from each source's scheduler when the registry is scraped.
 * Series are per schedule id; ids are chosen by whoever declares schedules, so they stay few.
 */
export class ScheduleMetrics {
  readonly lagSeconds: Histogram<QueueSchedule>
  readonly runs: Counter<QueueSchedule | 'caught_up'>
  readonly skipped: Counter<QueueSchedule>
  readonly missed: Counter<QueueSchedule>

  constructor(
    registers: Array<Registry<RegistryContentType>>,
    counter: CounterFactory,
    lagBucketsSeconds: number[],
    sources: ReadonlyMap<string, ScheduleSource>,
  ) {
    const bySchedule: QueueSchedule[] = ['queue', 'schedule']
    this.lagSeconds = new Histogram({
      name: METRIC_NAMES.scheduleLagSeconds,
      help: "Seconds from a schedule occurrence's due time to its job being enqueued (caught-up runs included).",
      labelNames: bySchedule,
      buckets: lagBucketsSeconds,
      registers,
    })
    this.runs = counter(
      METRIC_NAMES.scheduleRuns,
      'Schedule occurrences this process enqueued; caught_up="true" for runs the catch-up policy enqueued after downtime.',
      ['queue', 'schedule', 'caught_up'],
    )
    this.skipped = counter(
      METRIC_NAMES.scheduleSkipped,
      "Schedule occurrences skipped because the previous run was still pending or active (the schedule's overlap policy).",
      bySchedule,
    )
    this.missed = counter(
      METRIC_NAMES.scheduleMissed,
      'Schedule occurrences counted as missed after downtime (the catch-up policy did not run them).',
      bySchedule,
    )
    const nextRun: Gauge<QueueSchedule> = new Gauge({
      name: METRIC_NAMES.scheduleNextRunTimestampSeconds,
      help: "A schedule's next run as a Unix timestamp in seconds, as this process's scheduler sees it; paused and ended schedules are left out.",
      labelNames: bySchedule,
      registers,
      collect: () => {
        nextRun.reset()
        for (const source of sources.values()) {
          for (const schedule of source.schedules()) {
            if (schedule.paused || schedule.nextRunAt === null) continue
            nextRun.set(
              { queue: source.queueName, schedule: schedule.id },
              schedule.nextRunAt.getTime() / 1000,
            )
          }
        }
      },
    })
  }

  /** Creates a schedule's counter and histogram series at 0, so increase() sees its first events. */
  zeroSchedule(labels: { queue: string; schedule: string }): void {
    this.runs.inc({ ...labels, caught_up: 'false' }, 0)
    this.runs.inc({ ...labels, caught_up: 'true' }, 0)
    this.skipped.inc(labels, 0)
    this.missed.inc(labels, 0)
    this.lagSeconds.zero(labels)
  }
}
