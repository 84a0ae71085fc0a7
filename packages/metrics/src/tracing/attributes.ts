/**
 * Span attribute names. The `messaging.*` and `error.type` names follow the OpenTelemetry
 * semantic conventions for messaging spans, version 1.27.0 (defined here rather than imported
 * from `@opentelemetry/semantic-conventions`, whose messaging names are still incubating).
 * The `durabl.*` names are this package's own.
 */
export const SEMCONV_VERSION = '1.27.0'

/** `durabl` on every span. */
export const ATTR_MESSAGING_SYSTEM = 'messaging.system'
/** `send` for enqueue spans, `process` for attempt spans. */
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type'
/** The operation's name, also the first word of the span name: `send` or `process`. */
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name'
/** The job type. Left out of an `enqueueMany` span whose jobs have different types. */
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name'
/** The job id (attributes may carry ids; metric labels never do). Not set on batch spans. */
export const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id'
/** How many jobs an `enqueueMany` span wrote (set when there are two or more). */
export const ATTR_MESSAGING_BATCH_MESSAGE_COUNT = 'messaging.batch.message_count'
/** A low-cardinality name of what went wrong: a `DurablError` code such as `JOB_TIMEOUT`, else the error's `name`. */
export const ATTR_ERROR_TYPE = 'error.type'

export const MESSAGING_SYSTEM_DURABL = 'durabl'
export const MESSAGING_OPERATION_SEND = 'send'
export const MESSAGING_OPERATION_PROCESS = 'process'

/** The queue method that enqueued: `enqueue`, `enqueueMany` or `claimOrEnqueue`. */
export const ATTR_DURABL_ENQUEUE_OPERATION = 'durabl.enqueue.operation'
/** How many jobs of an enqueue span a dedupe key blocked. */
export const ATTR_DURABL_DUPLICATE_COUNT = 'durabl.enqueue.duplicate_count'
/** The attempt number, 1 for the first (consumer spans). */
export const ATTR_DURABL_JOB_ATTEMPT = 'durabl.job.attempt'
/** The job's `maxAttempts` (consumer spans). */
export const ATTR_DURABL_JOB_MAX_ATTEMPTS = 'durabl.job.max_attempts'
/** The job's priority; lower runs first (single-job enqueue spans and consumer spans). */
export const ATTR_DURABL_JOB_PRIORITY = 'durabl.job.priority'
/** The worker running the attempt (consumer spans). */
export const ATTR_DURABL_WORKER_ID = 'durabl.worker.id'
/** The id of the schedule that enqueued the job (consumer spans of a schedule's jobs). */
export const ATTR_DURABL_SCHEDULE_ID = 'durabl.schedule.id'
/** The occurrence the job runs for, ISO 8601 in UTC, or `manual` for `queue.schedules.trigger()`. */
export const ATTR_DURABL_SCHEDULE_OCCURRENCE = 'durabl.schedule.occurrence'
/** True when the catch-up policy enqueued the occurrence after downtime (set only then). */
export const ATTR_DURABL_SCHEDULE_CAUGHT_UP = 'durabl.schedule.caught_up'
/**
 * How the operation ended. Enqueue spans of one job: `enqueued` or `duplicate`. Consumer spans:
 * `completed`, `retry` (failed, will run again), `failed` (failed for good), `lease-lost`
 * (another worker may own the job; nothing was recorded), `cancelled` (the job was cancelled while
 * it ran), `released` (given back at shutdown) or `snoozed` (the handler gave it back for later).
 */
export const ATTR_DURABL_OUTCOME = 'durabl.outcome'

export type DurablOutcome =
  | 'enqueued'
  | 'duplicate'
  | 'completed'
  | 'retry'
  | 'failed'
  | 'lease-lost'
  | 'cancelled'
  | 'released'
  | 'snoozed'
