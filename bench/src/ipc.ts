import type { TypeLimits } from '@durabl/core'
import type { CommandSnapshot } from './command-meter.js'
import type { SystemName } from './config.js'

/**
 * What a worker process does once told to go:
 * - `count`: processes no-op jobs and reports how many completed (throughput, commands per job);
 * - `latency`: processes jobs and reports each one's pickup latency (enqueue → handler start);
 * - `idle`: processes (no jobs arrive) so the harness can count what an idle process costs;
 * - `schedules`: runs the stored schedules with the fleet, processes their jobs, and reports each
 *   `schedule:enqueued` this process emitted.
 */
export type WorkerMode = 'count' | 'latency' | 'idle' | 'schedules'

/** Everything a worker needs, passed as JSON in BENCH_WORKER_SPEC (the MongoDB URI goes apart). */
export interface WorkerSpec {
  system: SystemName
  mode: WorkerMode
  /** Job types (durabl, Agenda) or the queue name (BullMQ, first entry). */
  types: string[]
  concurrency: number
  /** durabl: change streams on (`'auto'`) or off. Agenda: the change-stream notification channel. */
  push: boolean
  /** durabl: the processor's pollIntervalMs; absent keeps durabl's default. */
  pollIntervalMs?: number
  /** durabl: fleet-wide limits of the job types (`limitsFor`); absent: none. */
  limits?: TypeLimits
  agendaProcessEveryMs: number
  /** durabl and Agenda: the database holding the jobs. */
  dbName: string
  redis?: { host: string; port: number }
  /**
   * Count mode: every this many completed jobs (and once at go), force a full GC and report
   * `process.memoryUsage()`. The worker is then forked with `--expose-gc`.
   */
  sampleMemoryEveryJobs?: number
}

/** One memory sample of a worker process, after a forced full GC. */
export interface MemorySample {
  completed: number
  heapUsedBytes: number
  rssBytes: number
  externalBytes: number
}

/** One `schedule:enqueued` event of a worker: the process that advanced the schedule emits it. */
export interface ScheduleEnqueuedSample {
  scheduleId: string
  /** The occurrence instant, ms since the epoch. */
  occurrenceMs: number
  /** From the occurrence instant to the firing pass, as the event reports it. */
  lagMs: number
  caughtUp: boolean
}

export type ParentMessage = { kind: 'go' } | { kind: 'snapshot'; tag: string } | { kind: 'stop' }

export interface WorkerSnapshot {
  tag: string
  completed: number
  /** Null for BullMQ (no MongoDB client). */
  commands: CommandSnapshot | null
  cpuMicros: number
}

export type WorkerMessage =
  | { kind: 'ready' }
  | { kind: 'progress'; completed: number }
  | { kind: 'started'; latencyMs: number }
  | ({ kind: 'memory' } & MemorySample)
  | ({ kind: 'schedule' } & ScheduleEnqueuedSample)
  | ({ kind: 'snapshot' } & WorkerSnapshot)
  | { kind: 'stopped' }
  | { kind: 'error'; message: string }

/** Milliseconds on a clock shared by processes on one machine, with sub-millisecond resolution. */
export function sharedClockMs(): number {
  return performance.timeOrigin + performance.now()
}
