import type { CommandSnapshot } from '../command-meter.js'
import type { ScheduleEnqueuedSample } from '../ipc.js'

/** What the worker entry needs from each queue under test. */
export interface WorkerSystem {
  /** Starts processing (count mode registers its handlers here, so set-up is not timed). */
  go(): Promise<void>
  /** Commands sent so far by this process's MongoDB client; null without one (BullMQ). */
  commands(): CommandSnapshot | null
  stop(): Promise<void>
}

export interface WorkerCallbacks {
  /** A job finished and its outcome was recorded. */
  completed(): void
  /** A latency job's handler started, this long after it was enqueued. */
  started(latencyMs: number): void
  /** This process enqueued a schedule occurrence (durabl's `schedule:enqueued`). */
  scheduleEnqueued(sample: ScheduleEnqueuedSample): void
}

/** Data every benchmark job carries: the enqueue time on the shared clock, for latency runs. */
export interface BenchJobData {
  sentAtMs: number
}
