export { acknowledgeSeparately } from './acknowledge-separately.js'
export type {
  AcknowledgeJobsParams,
  AcknowledgeResult,
  AckResult,
  Backend,
  BackendCapabilities,
  BackendSession,
  CancelJob,
  ClaimJobsParams,
  ClaimOrEnqueueParams,
  ClaimOrEnqueueResult,
  ClaimTypeLimit,
  CompleteJob,
  CompleteJobsParams,
  ControlChange,
  ControlStore,
  DedupeRef,
  EnqueueJobsParams,
  FailJob,
  FailJobsParams,
  FailResult,
  FireScheduleParams,
  FireScheduleResult,
  GetStatsParams,
  HeartbeatJobsParams,
  HeartbeatResult,
  InlineRunner,
  JobFilter,
  JobUpdates,
  LeaseRef,
  ListJobsParams,
  ListJobsResult,
  ListWorkersParams,
  NextDueAtParams,
  OccurrenceJob,
  OccurrenceOutcome,
  PatchScheduleParams,
  PushStatus,
  PushSubscription,
  PushWake,
  QueueStats,
  RecoverExpiredLeasesParams,
  RecoverResult,
  RegisterWorkerParams,
  ReleaseJob,
  ReleaseJobsParams,
  ReleaseResult,
  ScheduleChange,
  ScheduleStore,
  SelectJobsParams,
  SetTypeControlParams,
  StateCounts,
  SubscribeParams,
  TypeControl,
  TypeStats,
  UpsertScheduleParams,
  UpsertScheduleResult,
  WorkerInfo,
  WorkerRegistry,
} from './backend.js'
export { ALL_TYPES } from './backend.js'
export { type ComputeBackoffDelayParams, computeBackoffDelay, computeSpecDelay } from './backoff.js'
export { type Clock, type ClockTimer, systemClock } from './clock.js'
export { BackendError } from './errors/backend-error.js'
export { describeValue } from './errors/describe-value.js'
export { DurablError, type DurablErrorCode, hasDurablCode } from './errors/durabl-error.js'
export { JobCancelledError } from './errors/job-cancelled-error.js'
export { JobNotFoundError } from './errors/job-not-found-error.js'
export { JobTimeoutError } from './errors/job-timeout-error.js'
export { LeaseLostError } from './errors/lease-lost-error.js'
export { normalizeError } from './errors/normalize-error.js'
export { NotSupportedError } from './errors/not-supported-error.js'
export { PayloadError } from './errors/payload-error.js'
export { QueueStateError } from './errors/queue-state-error.js'
export { ShutdownError } from './errors/shutdown-error.js'
export { ThreadCrashedError } from './errors/thread-crashed-error.js'
export { UnrecoverableError } from './errors/unrecoverable-error.js'
export { ValidationError } from './errors/validation-error.js'
export {
  JOB_QUEUE_EVENT_NAMES,
  type JobQueueEventName,
  type JobQueueEvents,
  type JobQueueListener,
} from './events.js'
export type { AttemptOutcome, EnqueueHookInfo, JobQueueHooks, ProcessHookInfo } from './hooks.js'
export {
  type BackoffSpec,
  DEDUPE_SCOPES,
  type DedupeScope,
  isTerminalState,
  JOB_STATES,
  type Job,
  type JobError,
  type JobLogEntry,
  type JobMetadata,
  type JobState,
  type NewJob,
  pendingJobFields,
} from './job.js'
export {
  type BackoffFunction,
  type BackoffOption,
  DEFAULTS,
  type EnqueueOptions,
  type Isolation,
  type JobQueueOptions,
  MAXIMUMS,
  MINIMUMS,
  type ProcessorConfig,
  type RedactOptions,
  type ScheduleRunOptions,
  type ThreadResourceLimits,
} from './options.js'
export { REDACTED, redactSecrets, SECRET_PARAMETER_NAMES } from './redaction/redact-secrets.js'
export type { TypeControlResult } from './runtime/controls/pause-types.js'
export {
  type JobQueueStats,
  statsWithControls,
  type TypeStatsWithPause,
} from './runtime/controls/stats-with-controls.js'
export { type StoredTypeLimits, TypeLimitsApi } from './runtime/controls/type-limits-api.js'
export type { EnqueueManyItem } from './runtime/enqueuer.js'
export type { Handler, JobContext } from './runtime/job-context.js'
export type { JobHandle } from './runtime/job-handle.js'
export { JobQueue, type JobQueueState } from './runtime/job-queue.js'
export { LEASE_EXPIRED_ERROR } from './runtime/recoverer.js'
export { type FirePlan, type PlannedRun, planFire } from './runtime/scheduler/plan-fire.js'
export {
  DEFAULT_SYNC_GRACE_MS,
  MAX_SCHEDULE_ID_LENGTH,
  type ScheduleDeclaration,
  type ScheduleInfo,
  Schedules,
  type SyncSchedulesOptions,
  type SyncSchedulesResult,
  type UpsertScheduleOutcome,
} from './runtime/scheduler/schedules-api.js'
export type { AbandonedWrite, ShutdownReport } from './runtime/shutdown-report.js'
export type { ThreadHandler, ThreadJobContext, ThreadModule } from './runtime/thread/thread-handler.js'
export type { ConcurrencySnapshot } from './runtime/worker.js'
export { WORKER_EXPIRY_INTERVALS } from './runtime/worker-registration.js'
export {
  CATCH_UP_POLICIES,
  type CatchUpOptions,
  type CatchUpPolicy,
  type NewScheduleFields,
  newScheduleFields,
  occurrenceKey,
  SCHEDULE_METADATA,
  SCHEDULE_OVERLAPS,
  type Schedule,
  type ScheduleDefinition,
  type ScheduleDefinitionInput,
  type ScheduleJobOptions,
  type ScheduleOverlap,
  scheduleDedupeKey,
} from './schedule.js'
export { nextOccurrence, occurrencesBetween, previewOccurrences } from './schedules/next-occurrence.js'
export { occurrenceJitterMs } from './schedules/occurrence-jitter.js'
export { resolveScheduleDefinition } from './schedules/resolve-schedule-definition.js'
export { SCHEDULE_DEFAULTS, SCHEDULE_LIMITS } from './schedules/schedule-defaults.js'
export { scheduleHashes } from './schedules/schedule-hashes.js'
export {
  canTransition,
  findTransition,
  statesAllowing,
  TRANSITIONS,
  type Transition,
  type TransitionName,
} from './state-machine.js'
export {
  hasAnyLimit,
  hasConcurrencyLimit,
  hasRateLimit,
  type PerKeyLimits,
  type RateLimit,
  type TypeLimits,
} from './type-limits.js'
export type {
  ResolvedEnqueueDefaults,
  ResolvedEnqueueOptions,
} from './validation/resolve-enqueue-options.js'
export type { ResolvedJobQueueOptions } from './validation/resolve-job-queue-options.js'
export {
  type HandlerKind,
  type ResolvedProcessorConfig,
  resolveProcessorConfig,
} from './validation/resolve-processor-config.js'
export { resolveTypeLimits } from './validation/resolve-type-limits.js'
/** Option rules shared by durabl's packages: each throws a ValidationError naming field, rule and value. */
export {
  isPlainObject,
  rejectUnknownKeys,
  requireFiniteAtLeast,
  requireFunction,
  requireIntegerBetween,
  requireNonEmptyString,
  requireOptionsObject,
} from './validation/rules.js'
export { validateJobType } from './validation/validate-job-type.js'
export { validatePayload } from './validation/validate-payload.js'
export {
  MAX_TYPE_CONTROL_LIMITS_BYTES,
  validateSetTypeControl,
} from './validation/validate-type-control.js'
export { DURABL_VERSION } from './version.js'
