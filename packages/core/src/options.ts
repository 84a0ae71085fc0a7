import type { BackendSession } from './backend.js'
import type { Clock } from './clock.js'
import type { BackoffSpec, DedupeScope, Job, JobMetadata } from './job.js'
import type { TypeLimits } from './type-limits.js'

/** Default and limit values, named so docs and errors can point at them. */
export const DEFAULTS = {
  priority: 0,
  maxAttempts: 3,
  dedupeScope: 'pending+active' as DedupeScope,
  backoff: { type: 'exponential', baseMs: 1_000, maxMs: 3_600_000, jitter: 'full' } as BackoffSpec,
  concurrency: 1,
  instanceConcurrency: 100,
  leaseMs: 30_000,
  /** Poll interval without push. */
  pollIntervalMs: 5_000,
  /** Poll interval while push notifications are live: the poll is only a safety net. */
  pushPollIntervalMs: 60_000,
  recoverIntervalMs: 15_000,
  shutdownTimeoutMs: 30_000,
  maxPayloadBytes: 1_048_576,
  /**
   * The most acknowledgements of one kind written in one backend call. Acknowledgements made in the
   * same tick, or while the previous write is in flight, are written together; none waits on a timer.
   */
  ackBatchSize: 100,
  maxDedupeKeyLength: 512,
  /** The longest `limitKey` (`EnqueueOptions.limitKey`). */
  maxLimitKeyLength: 200,
  maxTypeLength: 200,
  /** How this queue takes part in running stored schedules (`JobQueueOptions.schedules`). */
  schedules: { run: true, takeoverMs: 5_000, scanIntervalMs: 60_000 },
  /** How often a started queue registers itself in the backend's worker registry. */
  workerRegistryIntervalMs: 30_000,
  /** How long a thread handler whose signal aborted may take to settle before its thread is terminated. */
  threadTerminateGraceMs: 1_000,
  /** The export a `ThreadModule` names when `exportName` is not given. */
  threadExportName: 'default',
} as const

/** Minimums that keep a misconfiguration from hammering the database. */
export const MINIMUMS = {
  leaseMs: 1_000,
  heartbeatMs: 100,
  pollIntervalMs: 10,
  recoverIntervalMs: 100,
  /** The lowest `priority`: `-MAXIMUMS.priority`. */
  priority: -1_000_000,
  scheduleTakeoverMs: 100,
  scheduleScanIntervalMs: 1_000,
  workerRegistryIntervalMs: 1_000,
  /**
   * The shortest rate-limit window (`TypeLimits.rateLimit.perMs`): a shorter one would measure the
   * database round trip of a claim more than the rate.
   */
  rateLimitPerMs: 100,
} as const

/**
 * Maximums that keep numbers exact and meaningful in every backend and timer. Beyond them a value
 * is almost certainly a mistake (`2 ** 60`, a timestamp passed as a priority), and past
 * `Number.MAX_SAFE_INTEGER` it would silently lose precision.
 */
export const MAXIMUMS = {
  /** The highest `priority` (the lowest is `MINIMUMS.priority`, its negative). */
  priority: 1_000_000,
  /** The most `maxAttempts`: a million attempts is already "retry for ever". */
  maxAttempts: 1_000_000,
  /**
   * The longest timer duration (about 24.8 days): Node.js fires a longer `setTimeout` after 1 ms,
   * so `timeoutMs`, `leaseMs`, `heartbeatMs`, `pollIntervalMs`, `recoverIntervalMs` and
   * `shutdownTimeoutMs` are capped here.
   */
  timerMs: 2_147_483_647,
  /**
   * The latest time a JavaScript Date can hold, in ms since 1970 (the year 275760): `runAt`, and
   * `now + delayMs`, must not pass it.
   */
  dateMs: 8_640_000_000_000_000,
  /** The highest fleet-wide `concurrency` of a type or key (`TypeLimits`): one slot per running job. */
  limitConcurrency: 100_000,
  /**
   * The highest `rateLimit.max` (`TypeLimits`): a limiter remembers the starts of its window, so
   * this bounds its size.
   */
  rateLimitMax: 10_000,
  /** The longest rate-limit window, in ms: the longest timer (about 24.8 days). */
  rateLimitPerMs: 2_147_483_647,
} as const

/**
 * A retry policy. A `BackoffSpec` is stored with the job; a function can only be given to
 * `process()` (functions cannot be stored) and overrides the stored policy for that type.
 */
export type BackoffOption = BackoffSpec | BackoffFunction

/** Returns the delay in milliseconds before the next attempt. `attempt` is the attempt that failed (1 for the first). */
export type BackoffFunction = (attempt: number, error: Error, job: Job) => number

export interface EnqueueOptions {
  /** Lower runs first. An integer from -1,000,000 to 1,000,000 (`MINIMUMS`/`MAXIMUMS.priority`). @defaultValue 0 */
  priority?: number
  /**
   * Milliseconds before the job is claimable, >= 0; `now + delayMs` must be a valid Date
   * (`MAXIMUMS.dateMs`). Not with `runAt`. @defaultValue 0
   */
  delayMs?: number
  /** When the job becomes claimable. Not with `delayMs`. @defaultValue now */
  runAt?: Date
  /** Attempts before the job fails for good. An integer from 1 to 1,000,000 (`MAXIMUMS.maxAttempts`). @defaultValue 3 */
  maxAttempts?: number
  /**
   * The retry policy stored with the job.
   * @defaultValue `{ type: 'exponential', baseMs: 1000, maxMs: 3600000, jitter: 'full' }`
   */
  backoff?: BackoffSpec
  /**
   * How long one attempt may run before its signal aborts and the attempt fails; at most
   * `MAXIMUMS.timerMs` (2147483647). @defaultValue no limit
   */
  timeoutMs?: number
  /**
   * While a job with this key is pending (or active, per `dedupeScope`), enqueue returns null.
   * 1 to 512 characters, no control characters (C0, DEL, C1: newlines and ANSI escapes included).
   */
  dedupeKey?: string
  /** @defaultValue 'pending+active' */
  dedupeScope?: DedupeScope
  /**
   * The key this job's type's `perKey` limits count it under (a tenant, an account, an API
   * host): at most that many jobs with the key run at once or start per window, across the fleet.
   * 1 to 200 characters, no control characters. Without limits on the type it is only stored.
   * See docs/limits.md. @defaultValue none (only the type's own limits apply)
   */
  limitKey?: string
  /** The caller's transaction (a MongoDB `ClientSession`): the job is written only if it commits. */
  session?: BackendSession
  /** String pairs stored with the job (trace context is added here by `@durabl/metrics`). */
  metadata?: JobMetadata
}

export interface ProcessorConfig {
  /** Jobs of this type run at once in this queue. @defaultValue 1 */
  concurrency?: number
  /**
   * How often the fetcher looks for due jobs when nothing wakes it. The queue polls at the
   * smallest interval of its processors. @defaultValue 5000, or 60000 while push is live
   */
  pollIntervalMs?: number
  /** How long a claim holds a job before another worker may take it. @defaultValue 30000 */
  leaseMs?: number
  /** How often leases are extended while a handler runs; less than `leaseMs`. @defaultValue leaseMs / 3 */
  heartbeatMs?: number
  /** Overrides the retry policy stored with each job of this type; may be a function. */
  backoff?: BackoffOption
  /**
   * Where the handler runs: `'none'`, in the main thread; `'thread'`, in a pool of worker threads
   * (one per `concurrency`), so a timeout or shutdown can terminate it, a crash fails only the
   * attempt, and CPU-heavy work does not stall the event loop. `'thread'` needs a `ThreadModule`
   * handler (`{ module, exportName }`). @defaultValue 'thread' for a ThreadModule, else 'none'
   */
  isolation?: Isolation
  /**
   * Thread handlers only: once the signal aborted (timeout, lost lease, shutdown, cancel), how long
   * the handler may take to settle before its thread is terminated. 0 terminates at once.
   * @defaultValue 1000
   */
  threadTerminateGraceMs?: number
  /** Thread handlers only: V8 limits for each thread; reaching one crashes that thread, not the process. @defaultValue Node's defaults */
  threadResourceLimits?: ThreadResourceLimits
}

/** Where a processor's handler runs (`ProcessorConfig.isolation`). */
export type Isolation = 'none' | 'thread'

/** `ProcessorConfig.threadResourceLimits`: Node's `Worker` `resourceLimits`, each a positive number. */
export interface ThreadResourceLimits {
  /** The main heap's largest size, in MB. */
  maxOldGenerationSizeMb?: number
  /** The largest heap space for recently created objects, in MB. */
  maxYoungGenerationSizeMb?: number
  /** The memory range reserved for generated code, in MB. */
  codeRangeSizeMb?: number
  /** The thread's largest stack, in MB. @defaultValue 4 */
  stackSizeMb?: number
}

export interface JobQueueOptions {
  /** Jobs running at once in this queue across all types. @defaultValue 100 */
  instanceConcurrency?: number
  /** Where time comes from. @defaultValue systemClock */
  clock?: Clock
  /** Identifies this worker in leases and admin output. @defaultValue `${hostname}:${pid}:${random}` */
  workerId?: string
  /** How often expired leases are recovered. @defaultValue 15000 */
  recoverIntervalMs?: number
  /** `shutdown()` waits this long for running jobs when called without a timeout. @defaultValue 30000 */
  shutdownTimeoutMs?: number
  /** Job data larger than this (as JSON) is rejected at enqueue. @defaultValue 1048576 */
  maxPayloadBytes?: number
  /** Options applied to every enqueue unless the call overrides them. */
  defaultEnqueueOptions?: Omit<EnqueueOptions, 'session' | 'runAt' | 'dedupeKey' | 'limitKey'>
  /**
   * Secrets to remove from handler errors (message and stack) and `ctx.log()` lines before they
   * are stored or emitted. URL userinfo and common secret parameters are always redacted (see the
   * README's "Redaction of secrets"); these patterns add to them. @defaultValue `{ patterns: [] }`
   */
  redact?: RedactOptions
  /** How this queue takes part in running stored schedules (see docs/schedules.md). */
  schedules?: ScheduleRunOptions
  /**
   * How often a started queue writes its entry (host, pid, types, concurrency, version) to the
   * backend's worker registry, so `queue.listWorkers()` and `durabl workers` show it: one write
   * per interval. A queue that misses 3 intervals is no longer listed; a clean shutdown removes
   * its entry. At least 1000; `false` or `0` turns registration off. Ignored when the backend has
   * no registry (`capabilities.workers`). @defaultValue 30000
   */
  workerRegistryIntervalMs?: number | false
  /**
   * The fleet-wide limits of each job type this queue processes (concurrency and rate, of the type
   * and per `limitKey`; see docs/limits.md), asked at every claim: return null for a type without
   * limits. Every process claiming a type must answer the same for it. Each answer is validated
   * (`resolveTypeLimits`); one that throws or is invalid is reported as `queue:error` and that type
   * is not claimed until it answers well. @defaultValue no limits
   */
  limitsFor?: (type: string) => TypeLimits | null
}

/** `JobQueueOptions.schedules`. */
export interface ScheduleRunOptions {
  /**
   * Whether this started queue enqueues due schedule occurrences. Every started queue does by
   * default; there is no leader. Managing schedules (`queue.schedules.upsert()` and the rest)
   * works either way. @defaultValue true
   */
  run?: boolean
  /**
   * How long after an occurrence a process that does not own the schedule (the owner is the
   * process that advanced it last) waits before taking it over. At least 100. @defaultValue 5000
   */
  takeoverMs?: number
  /** How often every schedule is read again, the safety net for missed change events. At least 1000. @defaultValue 60000 */
  scanIntervalMs?: number
}

/** Extra redaction for `JobQueueOptions.redact`. */
export interface RedactOptions {
  /**
   * Every match of each pattern is replaced by `***` (the `g` flag is added for you). A pattern
   * must not match the empty string. @defaultValue []
   */
  patterns?: RegExp[]
}
