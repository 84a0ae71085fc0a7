import type { Job } from '../../job.js'

/**
 * Names a handler that runs in a worker thread (`queue.process(type, threadModule, config)`):
 * functions cannot cross threads, so the thread imports the module itself.
 */
export interface ThreadModule {
  /** The module file: a `file:` URL (`new URL('./resize.js', import.meta.url)`) or an absolute path. */
  module: URL | string
  /** The export to call. @defaultValue 'default' */
  exportName?: string
}

/**
 * What a thread handler gets besides the job: a subset of `JobContext`. There is no
 * `complete`/`fail`/`heartbeat`: return to complete, throw to fail (`UnrecoverableError` fails for
 * good); leases are kept by the main thread, so a busy thread never loses one.
 */
export interface ThreadJobContext {
  /**
   * Aborted when the handler should stop (timeout, lost lease, shutdown, cancel), with an Error
   * whose `name` and `code` are the main thread's reason (`JobTimeoutError.isInstance()` works on
   * it). The thread is terminated `threadTerminateGraceMs` later if the handler has not settled.
   */
  readonly signal: AbortSignal
  /** Adds a log line, stored with the next heartbeat or acknowledgement. */
  log(message: string): void
  /**
   * Replaces the job's progress (emits `job:progress` in the main thread). Throws here if the value
   * cannot be structured-cloned; a value the queue refuses to store fails the attempt.
   */
  progress(value: unknown): void
}

/**
 * The function a thread handler module exports. The job arrives structured-cloned; the result must
 * be structured-cloneable and storable like job data.
 */
export type ThreadHandler<TData = unknown, TResult = unknown> = (
  job: Job<TData, TResult>,
  ctx: ThreadJobContext,
) => Promise<TResult> | TResult
