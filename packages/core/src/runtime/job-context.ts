import type { Job } from '../job.js'

/**
 * What a handler gets besides the job: the ways to end the attempt, to report on it, and the
 * signal that tells it to stop.
 *
 * Outcomes: the first of `complete`, `fail`, `failFatal`, returning, throwing, a timeout, a cancel,
 * a lost lease or a shutdown release decides the attempt; later calls are no-ops and resolve at once.
 * The deciding call resolves once the backend recorded the outcome, and rejects with
 * LeaseLostError when the lease was lost (the outcome was not applied). These promises are marked
 * handled, so a call that is not awaited never causes an unhandled rejection.
 */
export interface JobContext<TResult = unknown> {
  /** The job being run (`attempts` counts this attempt). */
  readonly job: Job
  /**
   * Aborted when the handler should stop: its reason is a LeaseLostError (another worker may own
   * the job now), a JobTimeoutError (`timeoutMs` passed; the attempt fails and is retried per
   * policy), a JobCancelledError (the job was cancelled while it ran; it ends `cancelled`) or a
   * ShutdownError (shutdown's grace period ended; the job is released for another worker). Pass it
   * to `fetch`, database drivers and anything else that accepts a signal.
   */
  readonly signal: AbortSignal
  /** Completes the job with `result` (stored; must be storable like job data). */
  complete(result?: TResult): Promise<void>
  /** Fails this attempt; the job is retried after its backoff until `maxAttempts`. */
  fail(reason: string | Error): Promise<void>
  /** Fails the job for good, whatever attempts remain. */
  failFatal(reason: string | Error): Promise<void>
  /**
   * Ends this attempt without an outcome and runs the job again later: it goes back to `pending`,
   * due `delayMs` milliseconds from now, and the attempt is not counted against `maxAttempts` (as a
   * shutdown release). Its dedupe key stays held as for a retry. Emits `job:snoozed`. Use it when the
   * job cannot run yet (a rate limit answered 429, a resource is busy); return after calling it.
   * Throws a ValidationError at once when `delayMs` is not a finite number >= 0 or puts the due
   * time past the latest Date. A job whose cancel was requested is cancelled instead.
   */
  snooze(delayMs: number): Promise<void>
  /** Adds a log line, stored with the next heartbeat or acknowledgement. */
  log(message: string): void
  /** Replaces the job's progress, stored with the next heartbeat or acknowledgement; emits `job:progress`. */
  progress(value: unknown): void
  /**
   * Extends the lease now. Rejects with LeaseLostError when the lease was lost, and with
   * JobCancelledError when the job was cancelled (the signal aborts too).
   */
  heartbeat(): Promise<void>
}

/**
 * A job handler: its return value completes the job (unless it already called an outcome on
 * `ctx`); a throw fails the attempt. `void` is allowed so a handler that calls `ctx.complete()`
 * itself need not return anything.
 */
export type Handler<TData = unknown, TResult = unknown> = (
  job: Job<TData, TResult>,
  ctx: JobContext<TResult>,
  // biome-ignore lint/suspicious/noConfusingVoidType: handlers that return nothing are the common case
) => Promise<TResult | void> | TResult | void
