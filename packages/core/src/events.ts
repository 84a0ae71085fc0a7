import type { Job, JobMetadata } from './job.js'
import type { AbandonedWrite } from './runtime/shutdown-report.js'

/**
 * The runtime's lifecycle events, emitted once at the seam. Metrics, tracing and logs subscribe;
 * a listener that throws is reported as `queue:error` and never breaks processing.
 * `docs/events.md` lists them with when each fires.
 */
export interface JobQueueEvents {
  /** A job was written (once per job, also for `enqueueMany` and `claimOrEnqueue`). */
  'job:enqueued': {
    id: string
    type: string
    priority: number
    runAt: Date
    dedupeKey: string | null
    metadata: JobMetadata
  }
  /** An enqueue was blocked by its dedupe key and returned null. */
  'job:duplicate': { type: string; dedupeKey: string }
  /** An attempt started. `waitMs` is the time from the job's due time to the start. */
  'job:active': { job: Job; waitMs: number }
  /** A handler reported progress. */
  'job:progress': { job: Job; progress: unknown }
  /** An attempt succeeded and the job is completed. */
  'job:completed': { job: Job; result: unknown; durationMs: number }
  /**
   * An attempt failed. `willRetry` tells whether the job went back to pending (due at `retryAt`)
   * or failed for good.
   */
  'job:failed': { job: Job; error: Error; willRetry: boolean; retryAt: Date | null; durationMs: number }
  /**
   * The job was cancelled while this attempt ran: the backend recorded it `cancelled` under this
   * worker's lease (the attempt's signal was aborted with a JobCancelledError).
   */
  'job:cancelled': { job: Job; durationMs: number }
  /** Shutdown gave an unfinished job back, to be started again at once by any worker. */
  'job:released': { job: Job }
  /**
   * The handler snoozed the job (`ctx.snooze(delayMs)`): it is pending again, due at `runAt`, and
   * the attempt was not counted.
   */
  'job:snoozed': { job: Job; runAt: Date }
  /** This worker lost a job's lease: its signal aborted and its outcome will not be applied. */
  'lease:lost': { job: Job }
  /**
   * The periodic recovery returned jobs with expired leases to pending, failed them at the cap, or
   * cancelled them when their cancel had been requested.
   */
  'stale:recovered': { recovered: number; failed: number; cancelled: number }
  /** Push notifications are live. */
  'push:connected': Record<string, never>
  /** The push stream came back after an error; a catch-up claim follows. */
  'push:reconnected': Record<string, never>
  /** Push is unavailable; the queue polls instead. Emitted once per fallback. */
  'push:fallback': { reason: string }
  /** A background operation failed (claim, heartbeat, acknowledgement, recovery, a listener). */
  'queue:error': { error: Error; operation: string }
  'queue:started': Record<string, never>
  /** `shutdown()` began: no new claims. */
  'queue:stopping': { timeoutMs: number }
  /**
   * Shutdown reached its deadline with backend calls unanswered and gave up on them (emitted just
   * before `queue:stopped`, only then). The jobs' leases expire and lease recovery returns them.
   */
  'queue:abandoned': { jobs: AbandonedWrite[]; operations: string[] }
  'queue:stopped': Record<string, never>
  /**
   * This queue's view of a type control turned paused: through its own `pause()`, or a pause made
   * anywhere in the fleet that it heard of (push, or its poll), or one it found at startup. `type`
   * is a job type, or `'*'` for every type. A queue that processes the type claims none of its jobs
   * from then on (running jobs finish).
   */
  'queue:paused': { type: string }
  /** This queue's view of a type control turned unpaused (`resume()` here or anywhere in the fleet). */
  'queue:resumed': { type: string }
  /**
   * This queue wrote an occurrence's job (the occurrence key lets exactly one queue of the fleet
   * write it, so each occurrence is reported once). `lagMs` is the time from the occurrence instant to the enqueue.
   */
  'schedule:enqueued': {
    scheduleId: string
    occurrence: Date
    jobId: string
    lagMs: number
    caughtUp: boolean
  }
  /** This queue skipped an occurrence because the previous run was still pending or active (`overlap`). */
  'schedule:skipped': { scheduleId: string; occurrence: Date }
  /** This queue counted occurrences as missed after downtime (the catch-up policy did not run them). */
  'schedule:missed': { scheduleId: string; count: number; first: Date; last: Date }
  /** A schedule was created, changed, paused, resumed or removed through this queue. */
  'schedule:changed': {
    scheduleId: string
    change: 'created' | 'updated' | 'paused' | 'resumed' | 'removed' | 'undeclared' | 'triggered'
  }
}

export type JobQueueEventName = keyof JobQueueEvents

/** Every event name, at run time: `on()`, `once()` and `off()` refuse any other name. */
export const JOB_QUEUE_EVENT_NAMES = Object.keys({
  'job:enqueued': true,
  'job:duplicate': true,
  'job:active': true,
  'job:progress': true,
  'job:completed': true,
  'job:failed': true,
  'job:cancelled': true,
  'job:released': true,
  'job:snoozed': true,
  'lease:lost': true,
  'stale:recovered': true,
  'push:connected': true,
  'push:reconnected': true,
  'push:fallback': true,
  'queue:error': true,
  'queue:started': true,
  'queue:stopping': true,
  'queue:stopped': true,
  'queue:abandoned': true,
  'queue:paused': true,
  'queue:resumed': true,
  'schedule:enqueued': true,
  'schedule:skipped': true,
  'schedule:missed': true,
  'schedule:changed': true,
} satisfies Record<JobQueueEventName, true>) as readonly JobQueueEventName[]

export type JobQueueListener<E extends JobQueueEventName> = (payload: JobQueueEvents[E]) => void
