import type { DedupeScope, Job, JobError, JobLogEntry, JobState, NewJob } from './job.js'
import type { Schedule, ScheduleDefinition } from './schedule.js'
import type { TypeLimits } from './type-limits.js'

/**
 * The storage contract every durabl backend implements. `docs/backend-contract.md` states each
 * guarantee; `@durabl/testing/conformance` checks them.
 *
 * Conventions:
 * - Every method takes one params object, so fields can be added without breaking callers.
 * - A pending job is due when `runAt <= now`; a lease is expired when `leaseExpiresAt < now`.
 *   Until recovery runs, the lease holder may still heartbeat and acknowledge an expired lease.
 * - Dedupe keys are global across types: use the type in the key (`welcome:u_1`) to separate them.
 *   Dedupe applies when jobs are written; a job going back to pending (retry, release, recovery)
 *   is never blocked by its key, and claims still never run two jobs with one key at once.
 * - Every method that reads or writes time takes `now` from the caller's clock; a backend compares
 *   due times and lease deadlines against it (tests control time with a test clock).
 * - Every change out of `active` made on behalf of a worker (complete, fail, heartbeat, release,
 *   cancel) is a compare-and-set on the job id, the `active` state and the lease token. A worker
 *   whose lease was lost gets its id back in `lost` and changes nothing.
 * - Cancelling a running job is a request (`cancelRequestedAt`): the job stays active under its
 *   lease and the worker holding it learns of it from its next heartbeat (`cancelRequested`), then
 *   ends it `cancelled` with `acknowledgeJobs({ cancel })`. No write ever returns a job with a
 *   cancel request to `pending` (heartbeats, retries and releases of it are refused with
 *   `cancelRequested`; recovery cancels it), so a claim never starts one.
 * - Optional abilities are declared in `capabilities`, never detected by backend name.
 */
export interface Backend {
  /** A short name for logs and errors, such as `mongo` or `memory`. */
  readonly name: string
  readonly capabilities: BackendCapabilities

  /** Prepares storage (indexes, streams). Idempotent. */
  startup(): Promise<void>
  /** Stops background work the backend started (streams, timers). Does not close the user's client. */
  shutdown(): Promise<void>

  /**
   * Writes jobs. Returns one entry per job, in order: the new id, or `null` when a dedupe key
   * blocked it (see {@link DedupeScope}). With `session`, the writes join the caller's
   * transaction: nobody sees them before commit and they vanish on abort (needs `transactions`).
   */
  enqueueJobs(params: EnqueueJobsParams): Promise<Array<string | null>>

  /**
   * Claims due pending jobs of the given types, at most `limit` in all and at most each type's own
   * limit, in order: lower priority first, then earlier `runAt`, then insertion order. Each
   * claimed job becomes `active` with `attempts + 1`, a fresh lease token, `workerId`,
   * `startedAt = now` and `leaseExpiresAt = now + leaseMs` of its type. A pending job whose dedupe
   * key is held by an active job is skipped. No job is ever handed to two claims.
   *
   * A type given with `limits` (see {@link TypeLimits} and docs/limits.md) is held to them across
   * every claimer: never more active jobs than `concurrency` (of the type, and per `limitKey`),
   * never more than `rateLimit.max` jobs with `startedAt` in any window of `rateLimit.perMs`. A job
   * a concurrency limit holds back stays due; one a rate limit holds back stays pending with its
   * attempts, its `runAt` moved to when the limit allows a start. A rate-limited job's `startedAt`
   * is the instant its limiter recorded: `now`, or a little later when another claim with a later
   * `now` reserved first (a limiter's times never go back). Jobs already active when a limit is
   * set count against it. A type without limits is claimed exactly as before, at no extra cost.
   */
  claimJobs(params: ClaimJobsParams): Promise<Job[]>

  /**
   * The earliest `runAt` strictly after `now` among pending jobs of the given types, or null when
   * none of them is pending later. One indexed read, no write. The runtime asks after every claim
   * that came back short (fewer jobs than asked for) and sets a timer for the answer, so a delayed
   * job runs at its due time even when no push wake-up announced it: written before the push
   * stream opened, by a process while push was down, or left in storage across a restart.
   */
  nextDueAt(params: NextDueAtParams): Promise<Date | null>

  /**
   * Extends leases to `now + leaseMs` and stores progress and new log lines. Jobs whose lease is
   * no longer held come back in `lost`. Jobs still held whose cancel was requested come back in
   * `cancelRequested`, with nothing written (the lease is not extended): the caller stops the
   * attempt and ends it with `acknowledgeJobs({ cancel })`.
   */
  heartbeatJobs(params: HeartbeatJobsParams): Promise<HeartbeatResult>

  /** Marks jobs `completed` with their results (also a job whose cancel was requested: it finished). */
  completeJobs(params: CompleteJobsParams): Promise<AckResult>

  /**
   * Records failed attempts in the end state the caller decided under the lease: back to
   * `pending` due at `retryAt`, or `failed` for good when `retryAt` is null (the failure was
   * fatal, or the attempt was the job's last). The error joins the capped history and becomes
   * `lastError`. The backend needs no read: the caller passes what it knows from the claim.
   * A retry of a job whose cancel was requested is refused (`cancelRequested`, nothing written);
   * failing it for good applies.
   */
  failJobs(params: FailJobsParams): Promise<FailResult>

  /**
   * Gives jobs back: `pending`, due at the entry's `runAt` (a snooze) or else at `now` (a shutdown
   * release, so another worker can start them at once), lease cleared, and the attempt not counted
   * (`attempts - 1`). A job whose cancel was requested is not released but reported in
   * `cancelRequested` (nothing written).
   */
  releaseJobs(params: ReleaseJobsParams): Promise<ReleaseResult>

  /**
   * Completes, fails, releases and cancels in one call, each entry exactly as `completeJobs`,
   * `failJobs` and `releaseJobs` would, so a backend can write a mixed batch in one round trip (one
   * bulkWrite for MongoDB). A `cancel` entry ends a running job `cancelled` under its lease
   * (`finishedAt = now`, lease cleared, dedupe slots freed as completing frees them, the error
   * recorded); it is not guarded on a stored cancel request. Entries are independent: one lost
   * lease changes nothing for the others.
   */
  acknowledgeJobs(params: AcknowledgeJobsParams): Promise<AcknowledgeResult>

  /**
   * Returns active jobs whose lease expired before `now` (their worker died or stalled) to
   * `pending`, due at `now`, or to `failed` when they have used `maxAttempts`, or to `cancelled`
   * (whatever their attempts) when their cancel was requested. The given error is recorded with
   * the job's attempt, and `fatal: true` on the jobs that failed or were cancelled.
   */
  recoverExpiredLeases(params: RecoverExpiredLeasesParams): Promise<RecoverResult>

  /**
   * Single-flight: when no job with the dedupe key is active, writes the job already claimed (so
   * the caller runs it inline); otherwise enqueues it behind the active one if the scope allows
   * (`'pending'` and no pending job with the key), else reports a duplicate.
   * `job.dedupeKey` is required. It knows no type limits: the runtime refuses it for a type that
   * has some (the job would run outside them); a job it claimed counts against them while active.
   */
  claimOrEnqueue(params: ClaimOrEnqueueParams): Promise<ClaimOrEnqueueResult>

  /**
   * Counts jobs per type and state. A backend keeps this cheap enough to scrape (MongoDB: index
   * reads bounded by types and states, not by retained finished jobs; counts may be capped).
   */
  getStats(params: GetStatsParams): Promise<QueueStats>

  /** One job by id, or null. */
  getJob(params: { id: string }): Promise<Job | null>

  /** Jobs matching a filter, newest first, with cursor paging. */
  listJobs(params: ListJobsParams): Promise<ListJobsResult>

  /**
   * Cancels the selected jobs that have not finished, and returns the ids this call changed:
   * - a `pending` job becomes `cancelled` at once (`finishedAt = now`, dedupe slots freed);
   * - an `active` job gets `cancelRequestedAt = now` and stays active under its lease: the worker
   *   holding it hears `cancelRequested` at its next heartbeat and ends it `cancelled` (or it
   *   finishes first: a completion, or a failure for good, still applies), and if its lease
   *   expires, recovery cancels it. An active job whose cancel was already requested is left as
   *   it is and not returned.
   * Finished jobs are left as they are.
   */
  cancelJobs(params: SelectJobsParams): Promise<string[]>

  /**
   * Runs finished jobs (`failed`, `cancelled`, `completed`) again: `pending`, due at `now`,
   * `attempts` back to 0, `result` and `finishedAt` cleared; errors, logs and progress are kept.
   * Returns the ids changed. A job whose dedupe key is now held by another job is left as it is.
   */
  retryJobs(params: SelectJobsParams): Promise<string[]>

  /** Deletes jobs that are not active. Returns how many were deleted. */
  removeJobs(params: SelectJobsParams): Promise<number>

  /**
   * Wakes workers when jobs may have become claimable. Present only when `capabilities.push`.
   * The subscription reports its health through `onStatus`; after `'connected'` and
   * `'reconnected'` the caller claims once to catch up on jobs written before the stream was
   * (again) open, so the backend need not announce them.
   */
  subscribe?(params: SubscribeParams): Promise<PushSubscription>

  /**
   * Present only when `capabilities.inline`: the queue hands the backend a runner at startup, and
   * the backend runs each job through it as it is enqueued (`ImmediateBackend`), so enqueue
   * resolves after the job ran. The runner runs one attempt of a claimed job and records its outcome.
   */
  attachRunner?(runner: InlineRunner): void

  /**
   * Stored schedules (recurring jobs). Present only when `capabilities.schedules`; see
   * {@link ScheduleStore} and docs/schedules.md.
   */
  readonly schedules?: ScheduleStore

  /**
   * Where running queues announce themselves (workers). Present only when `capabilities.workers`;
   * see {@link WorkerRegistry}.
   */
  readonly workers?: WorkerRegistry

  /**
   * Fleet-wide flow control per job type (pause and resume). Present only when
   * `capabilities.controls`; see {@link ControlStore}.
   */
  readonly controls?: ControlStore
}

/**
 * The type control that applies to every job type: pausing it pauses them all (`queue.pause()`
 * with no type).
 */
export const ALL_TYPES = '*'

/**
 * Fleet-wide flow control, one small document per job type (and one for {@link ALL_TYPES}). Every
 * queue that processes jobs reads them all at startup (one read), hears of changes through push
 * (`SubscribeParams.onControlChange`) or reads them again at its poll interval, and never claims a
 * paused type. The store only keeps the documents: it does not change how `claimJobs` behaves.
 * Each method is one write or one read; there are few documents (one per controlled type).
 */
export interface ControlStore {
  /**
   * Sets the given fields of the type's control (creating it with `paused: false` and
   * `limits: null` when there is none), sets `updatedAt = now` and bumps `rev` by one, in one
   * write, even when the values do not change. Returns the control as written. Concurrent calls
   * for one type create it once; each is applied whole (the last write of a field wins).
   */
  setTypeControl(params: SetTypeControlParams): Promise<TypeControl>
  /** Every stored control, sorted by type. One read. */
  listTypeControls(params: Record<string, never>): Promise<TypeControl[]>
}

/** The stored flow control of one job type (or of {@link ALL_TYPES}). */
export interface TypeControl {
  /** A job type, or `'*'` ({@link ALL_TYPES}) for every type. */
  type: string
  /** No worker claims jobs of the type while true (running jobs finish). */
  paused: boolean
  /**
   * Rate and concurrency limits of the type, stored as given (storable JSON) and opaque to the
   * store; null when none. Reserved for `queue.limits`, which writes it; pausing leaves it alone.
   */
  limits: unknown | null
  /** Bumped by every write: a later write has a higher `rev`. Starts at 1. */
  rev: number
  /** The time of the last write (the writer's clock). */
  updatedAt: Date
}

export interface SetTypeControlParams {
  /** A job type (validated like job types), or `'*'` for every type. */
  type: string
  /** The fields to set; absent fields are left as they are. */
  set: { paused?: boolean; limits?: unknown | null }
  now: Date
}

/**
 * A type control changed (pushed to `SubscribeParams.onControlChange`). It says which type; the
 * fields the write changed are present when the backend knows them. Controls are few: the runtime
 * reads them all again after a change.
 */
export interface ControlChange {
  type: string
  paused?: boolean
  rev?: number
}

/**
 * Where started queues announce themselves, so operators can see which processes run which job
 * types. A queue upserts its entry (by `workerId`) once per registration interval and deletes it at
 * a clean shutdown. A queue that stops registering (its process died or hangs) is no longer listed
 * once its entry's `expiresAt` has passed, and the backend deletes such entries eventually
 * (MongoDB: a TTL index; MemoryBackend: on read). Each method is one write or one read.
 */
export interface WorkerRegistry {
  /**
   * Creates the entry of `worker.workerId`, or replaces it whole: one write. The stored
   * `lastSeenAt` is `now`; the entry is listed until `expiresAt`.
   */
  registerWorker(params: RegisterWorkerParams): Promise<void>
  /** The entries whose `expiresAt` is not before `now`, sorted by `workerId`. */
  listWorkers(params: ListWorkersParams): Promise<WorkerInfo[]>
  /** Deletes the entry: one write. True when it existed. */
  removeWorker(params: { workerId: string }): Promise<boolean>
}

/** A started queue as the worker registry lists it. */
export interface WorkerInfo {
  /** The queue's `workerId` (the same id its leases carry). */
  workerId: string
  /** The host name of the machine the queue runs on. */
  host: string
  /** The process id of the queue's Node.js process. */
  pid: number
  /** The job types the queue processes, each with its `concurrency`, sorted by type. */
  types: Array<{ type: string; concurrency: number }>
  /** The most jobs the queue runs at once across all types. */
  instanceConcurrency: number
  /** The version of `@durabl/core` the queue runs. */
  version: string
  /** Whether the queue runs stored schedules (`options.schedules.run` on a backend that stores them). */
  runsSchedules: boolean
  /** When the queue started (its clock). */
  startedAt: Date
  /** Its latest registration (its clock). */
  lastSeenAt: Date
}

export interface RegisterWorkerParams {
  /** Everything but `lastSeenAt`, which is `now`. */
  worker: Omit<WorkerInfo, 'lastSeenAt'>
  /** When the entry stops being listed unless registered again (the runtime: `now + 3 intervals`). */
  expiresAt: Date
  now: Date
}

export interface ListWorkersParams {
  now: Date
}

/**
 * Where schedules live and how an occurrence becomes a job exactly once. Every write bumps the
 * schedule's `rev`. A job written by `fireSchedule` carries its occurrence key under a unique
 * constraint that also covers finished jobs (until they are deleted), so no two processes, and no
 * process retrying after a crash, can write one occurrence twice.
 */
export interface ScheduleStore {
  /**
   * Creates the schedule, or, when one with the id exists:
   * - same `definitionHash`: changes nothing (outcome `'unchanged'`); with `managed: true` it still
   *   marks the schedule managed and declared (`undeclaredSince` null) if it was not;
   * - another hash: stores the new definition and hashes; `nextRunAt` is replaced only when the
   *   `timingHash` differs too (a new payload keeps the next run; a new cron recomputes it).
   * `managed: true` comes from `sync()`; a plain `upsert` passes false and leaves a stored true alone.
   * Concurrent upserts of one id create it once.
   */
  upsertSchedule(params: UpsertScheduleParams): Promise<UpsertScheduleResult>
  getSchedule(params: { id: string }): Promise<Schedule | null>
  /** Every schedule, sorted by id. */
  listSchedules(params: Record<string, never>): Promise<Schedule[]>
  /**
   * Sets the given fields (pause, resume with a new `nextRunAt`, `undeclaredSince`) and bumps
   * `rev`; with `expectedRev`, only if the stored `rev` still equals it. Returns the schedule as
   * written, or null when it does not exist or the guard did not match.
   */
  patchSchedule(params: PatchScheduleParams): Promise<Schedule | null>
  /** Deletes the schedule (its jobs stay). True when it existed. */
  removeSchedule(params: { id: string }): Promise<boolean>
  /**
   * Enqueues an occurrence's jobs and advances the schedule:
   * 1. writes each job of `jobs` (in order, each independent of the others): `'enqueued'` with its
   *    id; `'exists'` when a job with its `occurrenceKey` already exists (another process, or an
   *    earlier attempt, wrote it); `'overlap'` when its dedupe key blocked it;
   * 2. then, only if the stored schedule still has `nextRunAt` and `rev` equal to `expected` and is
   *    not paused: sets `nextRunAt`, `owner` and `lastRunAt` from the params, and, when a job was
   *    `'enqueued'`, `lastEnqueuedAt = now` and `lastJobId` (the last enqueued id), adds `'enqueued'` and `'exists'` jobs to
   *    `runs`, `'overlap'` jobs to `skipped` and `missed` to `missed`, and bumps `rev`.
   * The jobs are written first, so a crash between the two steps leaves the occurrence enqueued
   * and the schedule behind: whoever fires it next finds the job (`'exists'`) and advances.
   */
  fireSchedule(params: FireScheduleParams): Promise<FireScheduleResult>
}

export interface UpsertScheduleParams {
  id: string
  definition: ScheduleDefinition
  definitionHash: string
  timingHash: string
  /** The first occurrence from now (used on create, and on update when the timing changed). */
  nextRunAt: Date | null
  managed: boolean
  now: Date
}

export interface UpsertScheduleResult {
  outcome: 'created' | 'updated' | 'unchanged'
  schedule: Schedule
}

export interface PatchScheduleParams {
  id: string
  expectedRev?: number
  set: {
    paused?: boolean
    nextRunAt?: Date | null
    undeclaredSince?: Date | null
    lastJobId?: string
    /** Only null: the owner gives the schedule up (a stopping queue), so standbys fire on time. */
    owner?: null
  }
  now: Date
}

/** A job one occurrence enqueues: its unique occurrence key is required. */
export type OccurrenceJob = NewJob & { occurrenceKey: string }

export interface FireScheduleParams {
  id: string
  /** The compare-and-set guard: the schedule as the caller read it. */
  expected: { nextRunAt: Date; rev: number }
  /** One job per occurrence that runs, oldest first (may be empty: all missed or skipped). */
  jobs: OccurrenceJob[]
  /** Where the schedule stands once these occurrences are enqueued. */
  advance: {
    nextRunAt: Date | null
    /** The newest occurrence this pass ran or skipped (the previous one when it only counted misses). */
    lastRunAt: Date
    /** Occurrences this pass counted as missed. */
    missed: number
    /** The caller's worker id. */
    owner: string
  }
  now: Date
}

export type OccurrenceOutcome =
  | { outcome: 'enqueued'; id: string }
  | { outcome: 'exists' }
  | { outcome: 'overlap' }

export interface FireScheduleResult {
  /** One entry per job of the params, in order. */
  jobs: OccurrenceOutcome[]
  /** False when the guard did not match: another process advanced, changed or paused it first. */
  advanced: boolean
  /** The schedule as stored after the call; null when it no longer exists. */
  schedule: Schedule | null
}

/**
 * A schedule changed (pushed to `SubscribeParams.onScheduleChange`). The fields present are the
 * ones the write changed among those that decide when it fires; `definitionChanged` says the
 * caller should read it again (it was created, replaced, or its definition changed).
 */
export interface ScheduleChange {
  id: string
  deleted: boolean
  definitionChanged: boolean
  nextRunAt?: Date | null
  rev?: number
  owner?: string | null
  paused?: boolean
}

/** Runs one attempt of an already claimed job through the queue's handler and acknowledges it. */
export type InlineRunner = (job: Job) => Promise<void>

/** What a backend can do beyond the base contract. */
export interface BackendCapabilities {
  /** `subscribe()` exists and may deliver wake-ups (it may still fall back to polling at runtime). */
  push: boolean
  /** `enqueueJobs` accepts a `session` and joins the caller's transaction. */
  transactions: boolean
  /** `enqueueJobs` writes many jobs in one round trip. */
  bulkEnqueue: boolean
  /** The backend persists jobs across process restarts. */
  durable: boolean
  /** The backend runs jobs as they are enqueued through `attachRunner` (no fetcher needed). */
  inline: boolean
  /** `schedules` exists (recurring jobs). Absent means false. */
  schedules?: boolean
  /** `workers` exists (the registry of running queues). Absent means false. */
  workers?: boolean
  /** `controls` exists (fleet-wide pause and resume per job type). Absent means false. */
  controls?: boolean
}

/** The caller's transaction handle, opaque to core (a `ClientSession` for MongoDB). */
export type BackendSession = unknown

export interface EnqueueJobsParams {
  jobs: NewJob[]
  session?: BackendSession
  now: Date
}

export interface ClaimTypeLimit {
  type: string
  /** The most jobs of this type this claim may return. */
  limit: number
  /** The lease length for jobs of this type. */
  leaseMs: number
  /**
   * The type's fleet-wide limits, already validated (`resolveTypeLimits`); absent or null for none.
   * Every claimer of a type must pass the same limits, or each holds the others to its own.
   */
  limits?: TypeLimits | null
}

export interface ClaimJobsParams {
  types: ClaimTypeLimit[]
  /** The most jobs in all. */
  limit: number
  workerId: string
  now: Date
}

export interface NextDueAtParams {
  /** The job types to look at (the types the caller processes). An empty list answers null. */
  types: string[]
  now: Date
}

/** A lease the caller believes it holds. */
export interface LeaseRef {
  id: string
  leaseToken: string
}

/** Things a worker accumulated for a job since its last write. */
export interface JobUpdates {
  /** Replaces the stored progress when present. */
  progress?: unknown
  /** Appended to the capped log. */
  logs?: JobLogEntry[]
}

export interface HeartbeatJobsParams {
  jobs: Array<LeaseRef & JobUpdates & { leaseMs: number }>
  now: Date
}

/**
 * The dedupe key and scope of a job as the caller claimed it (`job.dedupeKey`, `job.dedupeScope`).
 * With them a backend moves the job's dedupe slots without reading it first. A backend may guard
 * on them like on the lease token: an entry that does not match the stored job changes nothing.
 */
export interface DedupeRef {
  dedupeKey: string | null
  dedupeScope: DedupeScope | null
}

export type CompleteJob = LeaseRef & JobUpdates & { result?: unknown }

export interface CompleteJobsParams {
  jobs: CompleteJob[]
  now: Date
}

export type FailJob = LeaseRef &
  JobUpdates &
  DedupeRef & {
    error: JobError
    /**
     * The end state the caller decided: due again at `retryAt` (back to `pending`), or null to
     * fail the job for good (the failure was fatal, or the job used `maxAttempts`).
     */
    retryAt: Date | null
  }

export interface FailJobsParams {
  jobs: FailJob[]
  now: Date
}

export type ReleaseJob = LeaseRef &
  JobUpdates &
  DedupeRef & {
    /**
     * When the job is due again: a snooze (`ctx.snooze(delayMs)`) gives the job back for later.
     * Absent means `now` (a shutdown release).
     */
    runAt?: Date
  }

/** Ends a running job `cancelled` under its lease, recording the attempt's error. */
export type CancelJob = LeaseRef &
  JobUpdates & {
    /** Recorded as `lastError` and in the capped history (`fatal: true` by convention). */
    error: JobError
  }

export interface ReleaseJobsParams {
  jobs: ReleaseJob[]
  now: Date
}

/** A mixed batch of acknowledgements; any list may be empty. */
export interface AcknowledgeJobsParams {
  complete: CompleteJob[]
  fail: FailJob[]
  release: ReleaseJob[]
  /** Running jobs to end `cancelled`; absent means none. */
  cancel?: CancelJob[]
  now: Date
}

/** One result per list of {@link AcknowledgeJobsParams}. */
export interface AcknowledgeResult {
  complete: AckResult
  fail: FailResult
  release: ReleaseResult
  /** `applied`: the job is `cancelled`; `lost`: the lease was not held, nothing changed. */
  cancel: AckResult
}

export interface RecoverExpiredLeasesParams {
  now: Date
  /** The error recorded on each recovered job (its `attempt` is filled in per job). */
  error: Omit<JobError, 'attempt'>
}

/** The outcome of a batch of lease-guarded writes. Every input id is in exactly one list. */
export interface AckResult {
  applied: string[]
  /** The lease was not held (expired and recovered, or claimed by another worker): nothing changed. */
  lost: string[]
}

/** A heartbeat's outcome. Every input id is in exactly one list. */
export interface HeartbeatResult extends AckResult {
  /**
   * The lease is still held but a cancel was requested: nothing was written (lease, progress,
   * logs). The caller stops the attempt and ends it with `acknowledgeJobs({ cancel })`.
   */
  cancelRequested: string[]
}

/** A release's outcome. Every input id is in exactly one list. */
export interface ReleaseResult extends AckResult {
  /** A cancel was requested: not released, nothing written; end the job with a cancel instead. */
  cancelRequested: string[]
}

export interface FailResult {
  /** Back to pending for another attempt. */
  retried: string[]
  /** Failed for good. */
  failed: string[]
  lost: string[]
  /**
   * A retry of a job whose cancel was requested: nothing written, the lease is still held; end the
   * job with a cancel instead. (A failure for good of such a job applies and is in `failed`.)
   */
  cancelRequested: string[]
}

export interface RecoverResult {
  /** Back to pending. */
  recovered: number
  /** Failed for good: the lease expired on their last attempt. */
  failed: number
  /** Cancelled: the lease expired on a job whose cancel was requested. */
  cancelled: number
}

export interface ClaimOrEnqueueParams {
  job: NewJob & { dedupeKey: string; dedupeScope: DedupeScope }
  leaseMs: number
  workerId: string
  now: Date
}

export type ClaimOrEnqueueResult =
  | { outcome: 'claimed'; job: Job }
  | { outcome: 'enqueued'; id: string }
  | { outcome: 'duplicate' }

export interface GetStatsParams {
  /** Only this type; all types when absent. */
  type?: string
  now: Date
}

export interface StateCounts {
  pending: number
  active: number
  completed: number
  failed: number
  cancelled: number
}

export interface TypeStats extends StateCounts {
  type: string
  /** Pending jobs due now. */
  due: number
  /** Pending jobs due later. */
  delayed: number
  /** The `runAt` of the oldest due pending job, or null when none is due. */
  oldestDueAt: Date | null
}

export interface QueueStats {
  /** One entry per type that has jobs, sorted by type. */
  types: TypeStats[]
  /** Sums over all types (`oldestDueAt` is the oldest over all types). */
  total: Omit<TypeStats, 'type'>
}

/**
 * Which jobs an admin operation touches: the listed ids, all jobs matching the filter, or the
 * listed ids that also match the filter when both are given. One of the two is required (a
 * ValidationError otherwise), so a missing argument never touches every job; `filter: {}` selects
 * all jobs on purpose.
 */
export interface SelectJobsParams {
  ids?: string[]
  filter?: JobFilter
  now: Date
}

export interface JobFilter {
  state?: JobState | JobState[]
  type?: string | string[]
  dedupeKey?: string
  /** Only jobs finished (terminal) before this time. */
  finishedBefore?: Date
}

export interface ListJobsParams {
  filter?: JobFilter
  /** Page size. */
  limit: number
  /** The `nextCursor` of the previous page. */
  cursor?: string | null
}

export interface ListJobsResult {
  jobs: Job[]
  /** Pass to the next call for the next page; null on the last page. */
  nextCursor: string | null
}

/** A hint that jobs may be claimable from `runAt` on. */
export interface PushWake {
  /** The job type, when the backend knows it; absent means any type may have work. */
  type?: string
  runAt: Date
}

export type PushStatus =
  | { state: 'connected' }
  /** The stream broke and came back: jobs written meanwhile were not announced. */
  | { state: 'reconnected' }
  /** Push is not available (for example a standalone MongoDB): poll instead. */
  | { state: 'fallback'; reason: string }

export interface SubscribeParams {
  /** The types the caller processes; a backend may filter on them. */
  types: string[]
  onWake(wake: PushWake): void
  onStatus(status: PushStatus): void
  /**
   * Called for every change to a stored schedule, when the backend stores schedules. Rides the
   * same subscription (MongoDB: the same change stream), so it costs no round trip.
   */
  onScheduleChange?(change: ScheduleChange): void
  /**
   * Called for every change to a stored type control, when the backend stores them
   * (`capabilities.controls`). Rides the same subscription.
   */
  onControlChange?(change: ControlChange): void
  /**
   * Called with the ids of active jobs whose cancel was just requested (`cancelJobs`), whatever
   * their type, so the worker running one stops it at once instead of at its next heartbeat. Rides
   * the same subscription; the heartbeat still reports the request if this is missed.
   */
  onCancelRequested?(ids: string[]): void
}

export interface PushSubscription {
  close(): Promise<void>
}
