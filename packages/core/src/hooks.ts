import type { Job, NewJob } from './job.js'

/**
 * Hooks let another package (such as `@durabl/metrics` for tracing) wrap enqueueing and
 * processing without core depending on it. Register them with `queue.use(hooks)`; the first
 * registered is the outermost.
 */
export interface JobQueueHooks {
  /** A name for error reports. */
  name: string
  /**
   * Wraps each enqueue call. It may add entries to each job's `metadata` before calling `next()`,
   * which writes the jobs and resolves to their ids (`null` for duplicates).
   */
  enqueue?(info: EnqueueHookInfo, next: () => Promise<Array<string | null>>): Promise<Array<string | null>>
  /**
   * Wraps each attempt. `next()` runs the handler and records the outcome; it never rejects, and
   * resolves to what happened.
   */
  process?(info: ProcessHookInfo, next: () => Promise<AttemptOutcome>): Promise<AttemptOutcome>
}

export interface EnqueueHookInfo {
  operation: 'enqueue' | 'enqueueMany' | 'claimOrEnqueue'
  /** The jobs about to be written; `metadata` may be changed. */
  jobs: NewJob[]
}

export interface ProcessHookInfo {
  job: Job
}

/** What one attempt ended in. */
export type AttemptOutcome =
  | { status: 'completed'; result: unknown; durationMs: number }
  | { status: 'failed'; error: Error; willRetry: boolean; durationMs: number }
  /** The lease was lost: another worker may own the job; nothing this attempt did was recorded. */
  | { status: 'lease-lost'; error: Error; durationMs: number }
  /** The job was cancelled while the attempt ran; it ended `cancelled`. */
  | { status: 'cancelled'; error: Error; durationMs: number }
  /** Shutdown gave the job back before it finished. */
  | { status: 'released'; durationMs: number }
  /** The handler snoozed the job (`ctx.snooze()`): pending again, due at `runAt`, the attempt not counted. */
  | { status: 'snoozed'; runAt: Date; durationMs: number }
