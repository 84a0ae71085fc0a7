import type { Job } from '../job.js'

/**
 * A job `claimOrEnqueue` claimed for the caller to run inline. Its lease is heartbeated
 * automatically until an outcome is given, it times out like a handler's attempt when the job has
 * `timeoutMs`, and it is released at shutdown. Outcome calls behave as on a
 * {@link import('./job-context.js').JobContext}: the first wins, later ones are no-ops.
 */
export interface JobHandle<TData = unknown, TResult = unknown> {
  readonly job: Job<TData, TResult>
  /** Aborted when the lease is lost, the job times out, or shutdown releases it. */
  readonly signal: AbortSignal
  complete(result?: TResult): Promise<void>
  /** Fails this attempt; the fetcher of any queue with a processor for the type retries it after the backoff. */
  fail(reason: string | Error): Promise<void>
  failFatal(reason: string | Error): Promise<void>
  /** Gives the job back, due `delayMs` from now, the attempt not counted (see `JobContext.snooze`). */
  snooze(delayMs: number): Promise<void>
  heartbeat(): Promise<void>
  log(message: string): void
  progress(value: unknown): void
}
