import type { JobQueueEventName, JobQueueListener, QueueStats } from '@durabl/core'
import type { ScheduleSnapshot } from './schedule-metrics.js'

/**
 * What `instrumentQueue` needs from a queue. `JobQueue` from `@durabl/core` has all of it; the
 * interface is structural so that two copies of `@durabl/core` (or a test double) still fit.
 */
export interface InstrumentableQueue {
  on<E extends JobQueueEventName>(event: E, listener: JobQueueListener<E>): unknown
  off<E extends JobQueueEventName>(event: E, listener: JobQueueListener<E>): unknown
  /** Counts jobs per type and state; called at scrape time, at most once per `statsCacheMs`. */
  getStats(type?: string): Promise<QueueStats>
  /** The queue's resolved options: the clock used for ages and the instance-wide slot limit. */
  readonly options?: {
    readonly instanceConcurrency?: number
    readonly clock?: { now(): Date }
  }
  /**
   * The runtime's own view of its slots. When present it is the source of the slot gauges;
   * otherwise slots in use are counted from events and per-type limits are not exported.
   */
  getConcurrency?(): ConcurrencySnapshot
  /**
   * `queue.schedules`: `local()` is the schedules this process's scheduler holds, read without a
   * database call; the source of `durabl_schedule_next_run_timestamp_seconds`. Absent or empty
   * (a queue that does not run schedules) exports no next-run series.
   */
  readonly schedules?: { local(): ReadonlyArray<ScheduleSnapshot> }
  /**
   * The type controls (pause state per job type, `'*'` for every type) as the queue last saw
   * them, read without a database call: the source of `durabl_type_paused`. Absent (an older
   * `@durabl/core`) exports no such series.
   */
  localTypeControls?(): ReadonlyArray<{ type: string; paused: boolean }>
}

/** How busy a queue's processing is right now, as the runtime counts it. */
export interface ConcurrencySnapshot {
  /** `instanceConcurrency`: the most attempts the queue runs at once across all types. */
  limit: number
  /** Attempts holding a slot now (fetched, inline and `claimOrEnqueue` handles). */
  inUse: number
  /** One entry per registered processor. */
  types: ReadonlyArray<{
    type: string
    /** The processor's `concurrency`. */
    limit: number
    /** Attempts of this type holding a slot now. */
    inUse: number
  }>
}
