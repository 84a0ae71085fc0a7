/**
 * The job model: what a backend stores and what a handler receives.
 *
 * Every backend stores the same fields; names carry their units (`…Ms`, `…At`).
 */

/** The five states of a job. `completed`, `failed` and `cancelled` are terminal. */
export type JobState = 'pending' | 'active' | 'completed' | 'failed' | 'cancelled'

export const JOB_STATES: readonly JobState[] = ['pending', 'active', 'completed', 'failed', 'cancelled']

/**
 * How a dedupe key blocks a second job with the same key.
 * - `'pending+active'`: at most one job with the key is pending or active; a second enqueue returns `null`.
 * - `'pending'`: at most one pending job with the key, and a pending job with the key is not claimed
 *   while another job with the key is active. Run now, queue at most one more (single-flight).
 */
export type DedupeScope = 'pending' | 'pending+active'

export const DEDUPE_SCOPES: readonly DedupeScope[] = ['pending', 'pending+active']

/** A serialisable retry policy, stored with the job so any worker computes the same delays. */
export type BackoffSpec =
  | {
      type: 'exponential'
      /** Delay before the first retry, doubled for each further retry. */
      baseMs: number
      /** The delay never exceeds this. */
      maxMs: number
      /** `'full'` draws the delay uniformly from [0, computed]; `'none'` uses the computed delay. */
      jitter: 'full' | 'none'
    }
  | {
      type: 'fixed'
      /** Delay before every retry. */
      delayMs: number
    }

/** One failed attempt. Kept as `lastError` and in the capped `errors` history. */
export interface JobError {
  /** The attempt that failed (1 for the first). */
  attempt: number
  /** The error's `name`, such as `TypeError` or `UnrecoverableError`. */
  name: string
  message: string
  /** A `DurablError` code or an error's own string `code`, if it had one. */
  code: string | null
  stack: string | null
  /** True when the failure was final regardless of attempts left (unrecoverable, lease expired at the cap). */
  fatal: boolean
  at: Date
}

/** One line written by `ctx.log()`. */
export interface JobLogEntry {
  attempt: number
  message: string
  at: Date
}

/** String key/value pairs that travel with a job, such as W3C trace context (`traceparent`). */
export type JobMetadata = Record<string, string>

/** A job as stored by a backend. */
export interface Job<TData = unknown, TResult = unknown> {
  id: string
  type: string
  data: TData
  state: JobState
  /** Lower runs first. */
  priority: number
  /** When the job becomes due (claimable while pending). */
  runAt: Date
  /** Attempts started so far, including the one in progress. */
  attempts: number
  maxAttempts: number
  backoff: BackoffSpec
  /** How long one attempt may run before its signal aborts and it fails; null for no limit. */
  timeoutMs: number | null
  dedupeKey: string | null
  dedupeScope: DedupeScope | null
  /** The key the type's `perKey` limits count this job under (`EnqueueOptions.limitKey`); null for none. */
  limitKey: string | null
  /** The fencing token of the current lease; null unless active. */
  leaseToken: string | null
  /** When the current lease expires unless heartbeated; null unless active. */
  leaseExpiresAt: Date | null
  /** The worker holding the lease; null unless active. */
  workerId: string | null
  lastError: JobError | null
  /** The most recent errors, oldest first, capped by the backend. */
  errors: JobError[]
  /** The most recent log lines, oldest first, capped by the backend. */
  logs: JobLogEntry[]
  progress: unknown
  result: TResult | null
  metadata: JobMetadata
  createdAt: Date
  updatedAt: Date
  /** When the latest attempt started. */
  startedAt: Date | null
  /** When the job reached a terminal state. */
  finishedAt: Date | null
  /**
   * When a cancel was requested while the job was active (`cancelJobs`); null otherwise. The job
   * stays active under its lease until the worker holding it ends it `cancelled` (or the lease
   * expires and recovery does). Kept on the cancelled job; cleared by a rerun.
   */
  cancelRequestedAt: Date | null
}

/** A job to be written by `enqueueJobs`: every option already resolved and validated. */
export interface NewJob<TData = unknown> {
  type: string
  data: TData
  priority: number
  runAt: Date
  maxAttempts: number
  backoff: BackoffSpec
  timeoutMs: number | null
  dedupeKey: string | null
  dedupeScope: DedupeScope | null
  /** The key the type's `perKey` limits count the job under; absent or null for none. */
  limitKey?: string | null
  metadata: JobMetadata
}

/** The terminal states. */
export function isTerminalState(state: JobState): boolean {
  return state === 'completed' || state === 'failed' || state === 'cancelled'
}

/**
 * The stored fields of a job as it is first written: pending, no attempts, no lease, no history.
 * Every backend starts from this (adding its own id and bookkeeping), so the initial state is
 * defined once, beside the state machine.
 */
export function pendingJobFields<TData>(job: NewJob<TData>, now: Date): Omit<Job<TData>, 'id'> {
  return {
    type: job.type,
    data: job.data,
    state: 'pending',
    priority: job.priority,
    runAt: job.runAt,
    attempts: 0,
    maxAttempts: job.maxAttempts,
    backoff: job.backoff,
    timeoutMs: job.timeoutMs,
    dedupeKey: job.dedupeKey,
    // A key without a scope gets the default scope; a scope without a key means nothing.
    dedupeScope: job.dedupeKey === null ? null : (job.dedupeScope ?? 'pending+active'),
    limitKey: job.limitKey ?? null,
    leaseToken: null,
    leaseExpiresAt: null,
    workerId: null,
    lastError: null,
    errors: [],
    logs: [],
    progress: null,
    result: null,
    metadata: job.metadata ?? {},
    createdAt: now,
    updatedAt: now,
    startedAt: null,
    finishedAt: null,
    cancelRequestedAt: null,
  }
}
