import type { CommandCounts } from './command-meter.js'
import type { SystemName } from './config.js'

export interface MachineInfo {
  cpuModel: string
  cores: number
  memoryGiB: number
  platform: string
  release: string
  /** 1-minute load average at the start and end of the run: a loaded machine makes numbers noisy. */
  loadAverageStart: number
  loadAverageEnd: number
}

export interface TargetInfo {
  kind: string
  /** Credentials redacted. */
  uri: string
  changeStreams: boolean
  /** Printed next to every MongoDB number. */
  caveat: string
}

export interface CpuResult {
  concurrency: number
  jobs: number
  /** Runtime CPU (user + system) per job while processing, in microseconds. */
  processCpuMicrosPerJob: number
  /** Runtime CPU per job for enqueueMany, in microseconds. */
  enqueueCpuMicrosPerJob: number
  jobsPerSecond: number
}

export interface EnqueueResult {
  system: SystemName
  mode: 'one-by-one' | 'bulk'
  /** How a bulk enqueue is done (enqueueMany, addBulk, or Agenda's concurrent now() calls). */
  method: string
  jobs: number
  seconds: number
  jobsPerSecond: number
  /** MongoDB commands per job (null for BullMQ). */
  commandsPerJob: number | null
}

export interface ThroughputResult {
  system: SystemName
  instances: number
  concurrency: number
  /** Jobs enqueued before the workers started. */
  jobs: number
  /** Jobs completed within the measured time (less than `jobs` when the run hit its cap). */
  completed: number
  drained: boolean
  seconds: number
  jobsPerSecond: number
  /** Worker-side MongoDB commands per job between 10% and 90% of the run (null for BullMQ). */
  steadyCommandsPerJob: number | null
  steadyByCategory: CommandCounts | null
  /** `category:command` → count per job, for the evidence. */
  steadyByCommand: Record<string, number> | null
  /** `category:command` → mean round trip in ms over the steady window (driver-measured). */
  steadyMeanRoundTripMs: Record<string, number> | null
  /**
   * Worker-side commands per job over the whole run (go → drained): includes start-up claims and
   * the change-stream open. Agenda locks its jobs early in a run, so its steady window misses them.
   */
  wholeRunCommandsPerJob: number | null
  wholeRunByCommand: Record<string, number> | null
  /** Worker processes' CPU per job (user + system), microseconds. */
  workerCpuMicrosPerJob: number
  /**
   * The harness process's CPU per job between 10% and 90% of the run, microseconds. On the
   * in-process server that is the server's cost of the workers' commands (claim, ack, push): the
   * harness does nothing else while a run drains.
   */
  harnessCpuMicrosPerJob?: number
}

export interface LatencyResult {
  system: SystemName
  /** How work reaches the worker: push (change stream / Redis) or polling. */
  delivery: 'push' | 'poll'
  /** The setting that governs it, in words. */
  setting: string
  samples: number
  p50Ms: number
  p95Ms: number
  p99Ms: number
  maxMs: number
  meanMs: number
  /** Set when the run could not complete. */
  error?: string
}

export interface IdleResult {
  system: SystemName
  types: number
  push: boolean
  /** In words: poll interval, processEvery, change-stream await. */
  setting: string
  windowSeconds: number
  /** Application commands (everything but driver monitoring and handshakes) per second. */
  commandsPerSecond: number
  byCategory: CommandCounts
  byCommand: Record<string, number>
  /** The driver's server heartbeats (hello on the monitoring connection) per second. */
  heartbeatsPerSecond: number
  /** Driver commands seen by command monitoring (endSessions, ping...) per second. */
  driverCommandsPerSecond: number
}

/** One durabl worker process, idle, with N stored schedules that are not due in the window. */
export interface ScheduleIdleResult {
  schedules: number
  push: boolean
  setting: string
  windowSeconds: number
  /** Application commands (everything but driver monitoring and handshakes) per second. */
  commandsPerSecond: number
  /** The `schedule` category alone (the periodic scan, `listSchedules`) per second. */
  scheduleCommandsPerSecond: number
  byCommand: Record<string, number>
  heartbeatsPerSecond: number
}

/** A fleet of worker processes running schedules that fire every `everyMs`. */
export interface ScheduleFleetResult {
  processes: number
  schedules: number
  everyMs: number
  /** Occurrence instants per schedule: `startAt` to `endAt`, both included. */
  occurrencesPerSchedule: number
  /** schedules × occurrencesPerSchedule. */
  expected: number
  /** Occurrences enqueued: expected occurrence keys with a job in the database. */
  enqueued: number
  /** `schedule:enqueued` events from all processes. */
  enqueuedEvents: number
  /** Distinct (schedule, occurrence) pairs among the events. */
  distinctEvents: number
  /** Occurrences enqueued for which no process emitted `schedule:enqueued` (should be 0). */
  occurrencesWithoutEvent: number
  withoutEventExamples?: string[]
  /** Occurrence jobs in the database: expected keys found, duplicates (more than one job for a key), others. */
  storedJobs: { found: number; missing: number; duplicates: number; unexpected: number }
  /** Each expected occurrence has exactly one job in the database, and there is no other. */
  exact: boolean
  /** `schedule:enqueued` lagMs (occurrence instant → firing pass), over every event. */
  lag: { samples: number; p50Ms: number; p99Ms: number; maxMs: number; meanMs: number }
  /** `schedule:enqueued` events per process (who fired). */
  enqueuedByProcess: number[]
  /** Schedule commands of every process (fire, reads, scans) per occurrence enqueued, go → after the last. */
  commandsPerOccurrence: number
  /** `schedule:<command>` → count over the whole window, every process. */
  byCommand: Record<string, number>
  /**
   * After every schedule's first occurrence (which all processes race for): fire and takeover reads
   * per occurrence, without the periodic scan (`listSchedules`, priced per scanIntervalMs in the idle rows).
   */
  steadyCommandsPerOccurrence: number
  /** The steady window starts this long after the first occurrence. */
  steadyAfterFirstMs: number
  steadyOccurrences: number
  steadyByCommand: Record<string, number>
  /** Every application command of the fleet per occurrence, processing the occurrences' jobs included. */
  allCommandsPerOccurrence: number
  /** `operation:command` → count of every durabl command of the fleet, whole window. */
  allByCommand: Record<string, number>
  windowSeconds: number
  /** Set when the run could not complete. */
  error?: string
}

export interface SchedulesResult {
  idle: ScheduleIdleResult[]
  fleet: ScheduleFleetResult | null
}

/** One added round-trip cost: durabl and Agenda side by side (scenario round-trip). */
export interface RoundTripCostResult {
  /** The reply delay added to every command (not monitoring hellos) on the in-process server. */
  addedDelayMs: number
  /** A `ping` round trip from the harness with that delay, on an otherwise idle server. */
  pingP50Ms: number
  throughput: Array<{
    system: SystemName
    concurrency: number
    jobsPerSecond: number
    drained: boolean
    /** Worker-side commands per job, whole run (go → drained). */
    commandsPerJob: number | null
  }>
  latency: LatencyResult[]
}

/** The memory of one worker process over a long run (scenario memory). */
export interface MemoryResult {
  jobs: number
  completed: number
  concurrency: number
  seconds: number
  /** Sampled after a forced full GC (`--expose-gc`), every `sampleEveryJobs` completed jobs. */
  samples: Array<{ completed: number; heapUsedMiB: number; rssMiB: number; externalMiB: number }>
  sampleEveryJobs: number
  /** Least-squares slope of heapUsed over the second half of the samples, bytes per job. */
  heapSlopeBytesPerJob: number
  rssSlopeBytesPerJob: number
  /** The judgement's threshold, bytes per job. */
  thresholdBytesPerJob: number
  flat: boolean
}

/** Fleet-wide limits (scenario limits): claim batch cost, and throughput with a per-key limit. */
export interface LimitsResult {
  /** One claim batch of 16 (none of the limits binds), counted by `comment`. */
  claimBatches: Array<{
    limits: string
    batches: number
    jobsPerBatch: number
    commandsPerBatch: number
    /** `command:operation` → per batch. */
    byOperation: Record<string, number>
  }>
  throughput: Array<{
    limits: string
    keys: number
    instances: number
    concurrency: number
    /** The median of the repeated runs (`runs`). */
    jobsPerSecond: number
    /** Every run's jobs/s, in the order run (pairs interleaved with the other variant). */
    runs: number[]
    drained: boolean
    steadyCommandsPerJob: number | null
    claimCommandsPerJob: number | null
  }>
}

export interface TargetResult {
  name: string
  goal: string
  value: string
  /** Null when the run did not measure it. */
  met: boolean | null
  evidence: string
}

export interface BenchResults {
  startedAt: string
  durationSeconds: number
  command: string
  quick: boolean
  machine: MachineInfo
  node: string
  versions: Record<string, string>
  target: TargetInfo
  redis: { version: string } | { skipped: string }
  settings: Record<string, unknown>
  cpu: CpuResult[]
  enqueue: EnqueueResult[]
  throughput: ThroughputResult[]
  latency: LatencyResult[]
  /** Sequential `ping` round trips from the harness to the MongoDB target: the unit latencies are made of. */
  roundTrip: { samples: number; p50Ms: number; p95Ms: number } | null
  idle: IdleResult[]
  /** Absent in results written before the scenario existed. */
  roundTripCost?: RoundTripCostResult[]
  memory?: MemoryResult | null
  /** Absent in results written before the scenario existed. */
  schedules?: SchedulesResult | null
  limits?: LimitsResult | null
  targets: TargetResult[]
  notes: string[]
}
