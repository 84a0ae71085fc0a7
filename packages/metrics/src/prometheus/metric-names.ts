/**
 * The names of every metric `instrumentQueue` registers, as exposed in the Prometheus text format.
 * Counters end in `_total`; durations are in seconds. Labels are only ever `queue`, `type`,
 * `state`, `schedule` (a schedule id: chosen by whoever declares schedules, and as few as they
 * declare) and `caught_up`: never a job id, a dedupe key or a worker id, so the number of series
 * stays bounded by queues × (types × states + schedules).
 */
export const METRIC_NAMES = {
  /** Counter `{queue, type}`: jobs written (`job:enqueued`). */
  jobsEnqueued: 'durabl_jobs_enqueued_total',
  /** Counter `{queue, type}`: enqueues a dedupe key blocked (`job:duplicate`). */
  jobsDeduplicated: 'durabl_jobs_deduplicated_total',
  /** Counter `{queue, type}`: attempts that completed their job. */
  jobsCompleted: 'durabl_jobs_completed_total',
  /** Counter `{queue, type}`: attempts that failed and put the job back to pending for another attempt. */
  jobsRetried: 'durabl_jobs_retried_total',
  /** Counter `{queue, type}`: attempts that failed and failed the job for good. */
  jobsFailed: 'durabl_jobs_failed_total',
  /** Counter `{queue, type}`: attempts that ended because their job was cancelled while running (`job:cancelled`). */
  jobsCancelled: 'durabl_jobs_cancelled_total',
  /** Counter `{queue, type}`: jobs given back at shutdown (`job:released`). */
  jobsReleased: 'durabl_jobs_released_total',
  /** Counter `{queue, type}`: attempts that snoozed their job for later (`job:snoozed`). */
  jobsSnoozed: 'durabl_jobs_snoozed_total',
  /** Counter `{queue, type}`: leases this process lost while running a job (`lease:lost`). */
  leasesLost: 'durabl_leases_lost_total',
  /**
   * Counter `{queue, state}`: jobs whose lease had expired, returned to `pending`, failed at the
   * attempt cap, or `cancelled` because their cancel had been requested.
   */
  staleJobsRecovered: 'durabl_stale_jobs_recovered_total',
  /** Counter `{queue}`: background errors reported by the queue (`queue:error`). */
  queueErrors: 'durabl_queue_errors_total',
  /** Counter `{queue}`: `getStats()` calls that failed while collecting a scrape. */
  statsErrors: 'durabl_stats_errors_total',
  /** Histogram `{queue, type}`: seconds from a job's due time to the start of an attempt. */
  jobWaitSeconds: 'durabl_job_wait_seconds',
  /** Histogram `{queue, type}`: seconds an attempt ran, for attempts that completed or failed. */
  jobDurationSeconds: 'durabl_job_duration_seconds',
  /** Gauge `{queue, type, state}`: jobs per state, from `getStats()` at scrape time. */
  jobs: 'durabl_jobs',
  /** Gauge `{queue, type}`: pending jobs that are due now (the backlog). */
  jobsDue: 'durabl_jobs_due',
  /** Gauge `{queue, type}`: seconds since the oldest due pending job became due; 0 when none is due. */
  oldestDueJobAgeSeconds: 'durabl_oldest_due_job_age_seconds',
  /** Gauge `{queue, type}`: attempts of this type running in this process. */
  workerSlotsInUse: 'durabl_worker_slots_in_use',
  /** Gauge `{queue, type}`: the type's `concurrency` (only when the queue exposes `getConcurrency()`). */
  workerSlotsLimit: 'durabl_worker_slots_limit',
  /** Gauge `{queue}`: the queue's `instanceConcurrency`, the most attempts it runs at once across types. */
  workerInstanceSlotsLimit: 'durabl_worker_instance_slots_limit',
  /**
   * Gauge `{queue, type}`: 1 while the type is paused fleet-wide, 0 once resumed; `type="*"` is
   * every type. From the queue's own view of the type controls at scrape time (no database call);
   * types never paused have no series.
   */
  typePaused: 'durabl_type_paused',
  /** Histogram `{queue, schedule}`: seconds from an occurrence's due time to its job being enqueued (`schedule:enqueued`). */
  scheduleLagSeconds: 'durabl_schedule_lag_seconds',
  /** Counter `{queue, schedule, caught_up}`: occurrences this process enqueued; `caught_up="true"` after downtime. */
  scheduleRuns: 'durabl_schedule_runs_total',
  /** Counter `{queue, schedule}`: occurrences the overlap policy skipped (`schedule:skipped`). */
  scheduleSkipped: 'durabl_schedule_skipped_total',
  /** Counter `{queue, schedule}`: occurrences counted as missed after downtime (`schedule:missed`). */
  scheduleMissed: 'durabl_schedule_missed_total',
  /** Gauge `{queue, schedule}`: the next run as Unix seconds, from the scheduler's view; paused and ended schedules omitted. */
  scheduleNextRunTimestampSeconds: 'durabl_schedule_next_run_timestamp_seconds',
} as const

export type MetricName = (typeof METRIC_NAMES)[keyof typeof METRIC_NAMES]
