import {
  type AcknowledgeJobsParams,
  type AcknowledgeResult,
  type AckResult,
  acknowledgeSeparately,
  type Backend,
  type BackendCapabilities,
  BackendError,
  type CancelJob,
  type ClaimJobsParams,
  type ClaimOrEnqueueParams,
  type ClaimOrEnqueueResult,
  type CompleteJobsParams,
  type ControlStore,
  type EnqueueJobsParams,
  type FailJobsParams,
  type FailResult,
  type GetStatsParams,
  type HeartbeatJobsParams,
  type HeartbeatResult,
  type Job,
  type ListJobsParams,
  type ListJobsResult,
  type NextDueAtParams,
  type PushSubscription,
  type PushWake,
  type QueueStats,
  type RecoverExpiredLeasesParams,
  type RecoverResult,
  type ReleaseJobsParams,
  type ReleaseResult,
  type ScheduleStore,
  type SelectJobsParams,
  type SubscribeParams,
  ValidationError,
  type WorkerRegistry,
} from '@durabl/core'
import { resolveClaimLimits } from './claim-limits.js'
import { compareClaimOrder, type StoredJob } from './claim-order.js'
import { computeStats } from './compute-stats.js'
import { findDedupeConflict } from './dedupe-rule.js'
import { applyUpdates, copyValue, createJob, startAttempt } from './job-record.js'
import { JobStore } from './job-store.js'
import { JobTransitions } from './job-transitions.js'
import { ackUnderLease, applyUnderLease, sortOutcomes } from './lease-guard.js'
import { LimitGate } from './limit-gate.js'
import { decodeListCursor, encodeListCursor } from './list-cursor.js'
import { matchesFilter } from './matches-filter.js'
import {
  type MemoryBackendOptions,
  type ResolvedMemoryBackendOptions,
  resolveMemoryBackendOptions,
} from './memory-backend-options.js'
import { MemoryControlStore } from './memory-control-store.js'
import { MemoryLimiters } from './memory-limiters.js'
import { MemoryScheduleStore } from './memory-schedule-store.js'
import { MemorySession, sessionOwner, stagedJobs, stageJobs } from './memory-session.js'
import { MemoryWorkerRegistry } from './memory-worker-registry.js'
import { findNextDueAt } from './next-due-at.js'
import { PushHub } from './push-hub.js'
import { selectJobs } from './select-jobs.js'
import {
  assertArray,
  assertNonEmptyString,
  assertPositiveInteger,
  assertValidDate,
  assertValidFilter,
  assertValidNewJob,
} from './validate-params.js'

/**
 * The whole backend contract in memory: the reference implementation, and fast tests for users
 * who do not want a database. Not durable: jobs live as long as the object.
 *
 * Stores and returns copies (`structuredClone`), so mutating what you passed in or got back never
 * changes a stored job. Supports push (wake-ups are delivered in a microtask after each write),
 * transactions through {@link MemoryBackend.startSession} and bulk enqueue.
 */
export class MemoryBackend implements Backend {
  readonly name: string = 'memory'
  readonly capabilities: BackendCapabilities = {
    push: true,
    transactions: true,
    bulkEnqueue: true,
    durable: false,
    inline: false,
    schedules: true,
    workers: true,
    controls: true,
  }
  readonly options: ResolvedMemoryBackendOptions

  /** Committed jobs by id. Transactions keep their jobs in the session until commit. */
  protected readonly store = new JobStore()
  private readonly push = new PushHub()
  /** The sliding logs of the rate limits claims were held to. */
  private readonly limiters = new MemoryLimiters()
  private readonly transitions: JobTransitions
  private readonly owner = { commit: (staged: StoredJob[]) => this.commitStaged(staged) }

  /** Stored schedules: kept beside the jobs, fired with the same compare-and-set rules as MongoDB. */
  readonly schedules: ScheduleStore
  /** Running queues, by worker id; entries past their `expiresAt` are dropped on read. */
  readonly workers: WorkerRegistry = new MemoryWorkerRegistry()
  /** Pause and resume per job type; every write is pushed to `onControlChange`. */
  readonly controls: ControlStore = new MemoryControlStore(this.push)

  constructor(options: MemoryBackendOptions = {}) {
    this.options = resolveMemoryBackendOptions(options)
    this.transitions = new JobTransitions(this.store, this.push, this.options.maxErrorHistory)
    this.schedules = new MemoryScheduleStore(this.store, this.transitions, this.push)
  }

  /** Starts a session with an open transaction; pass it as `session` to enqueue inside it. */
  startSession(): MemorySession {
    return new MemorySession(this.owner)
  }

  async startup(): Promise<void> {}

  /** Closes push subscriptions. Stored jobs stay. */
  async shutdown(): Promise<void> {
    this.push.closeAll()
  }

  async enqueueJobs(params: EnqueueJobsParams): Promise<Array<string | null>> {
    assertValidDate('enqueueJobs.now', params.now)
    assertArray('enqueueJobs.jobs', params.jobs)
    for (const [index, job] of params.jobs.entries()) assertValidNewJob(`enqueueJobs.jobs[${index}]`, job)
    const session = this.sessionFor(params.session)
    const ids: Array<string | null> = []
    const wakes: PushWake[] = []
    for (const newJob of params.jobs) {
      const candidate = { ...newJob, state: 'pending' as const }
      const visible =
        session === undefined
          ? this.store.jobs()
          : [...this.store.jobs(), ...stagedJobs(session).map((s) => s.job)]
      if (findDedupeConflict(candidate, visible) !== undefined) {
        ids.push(null)
        continue
      }
      const stored = this.store.allocate(createJob(newJob, '', params.now))
      if (session === undefined) {
        this.store.set(stored.job.id, stored)
        wakes.push({ type: stored.job.type, runAt: new Date(stored.job.runAt) })
      } else {
        stageJobs(session, [stored])
      }
      ids.push(stored.job.id)
    }
    this.transitions.wake(wakes)
    return ids
  }

  async claimJobs(params: ClaimJobsParams): Promise<Job[]> {
    const limits = resolveClaimLimits(params)
    const due = [...this.store.values()]
      .filter(({ job }) => job.state === 'pending' && limits.has(job.type) && job.runAt <= params.now)
      .sort(compareClaimOrder)
    const gate = new LimitGate(
      [...this.store.jobs()].filter((job) => job.state === 'active' && limits.get(job.type)?.limits),
      this.limiters,
      params.now,
    )
    const claimed: Job[] = []
    for (const { job } of due) {
      if (claimed.length >= params.limit) break
      const typeLimit = limits.get(job.type)!
      if (typeLimit.taken >= typeLimit.limit) continue
      // Single-flight: a pending job waits while another job with its key is active.
      if (findDedupeConflict({ ...job, state: 'active' }, this.store.withKey(job.dedupeKey)) !== undefined)
        continue
      const admission = gate.admit(job, typeLimit.limits)
      if (admission.kind === 'held') continue
      if (admission.kind === 'later') {
        // Held back by a rate limit: due again when it allows, attempts untouched.
        job.runAt = new Date(admission.runAtMs)
        job.updatedAt = new Date(params.now)
        continue
      }
      startAttempt(job, { leaseMs: typeLimit.leaseMs, workerId: params.workerId, now: params.now })
      if (admission.startedAtMs !== null) job.startedAt = new Date(admission.startedAtMs)
      gate.started(job)
      typeLimit.taken += 1
      claimed.push(structuredClone(job))
    }
    return claimed
  }

  async nextDueAt(params: NextDueAtParams): Promise<Date | null> {
    return findNextDueAt(this.store.values(), params)
  }

  async heartbeatJobs(params: HeartbeatJobsParams): Promise<HeartbeatResult> {
    const outcomes = applyUnderLease(this.store, 'heartbeatJobs', params.jobs, params.now, (job, ref) => {
      assertPositiveInteger('heartbeatJobs.jobs[].leaseMs', ref.leaseMs)
      // A cancel was requested: nothing is written; the worker ends the job with a cancel.
      if (job.cancelRequestedAt !== null) return 'cancelRequested'
      applyUpdates(job, ref, this.options.maxLogEntries)
      job.leaseExpiresAt = new Date(params.now.getTime() + ref.leaseMs)
      return 'applied'
    })
    return sortOutcomes(outcomes, { applied: [], lost: [], cancelRequested: [] })
  }

  async completeJobs(params: CompleteJobsParams): Promise<AckResult> {
    return ackUnderLease(this.store, 'completeJobs', params.jobs, params.now, (job, ref) => {
      applyUpdates(job, ref, this.options.maxLogEntries)
      job.result = ref.result === undefined ? null : copyValue(ref.result, 'result')
      this.transitions.finish(job, 'completed', params.now)
    })
  }

  async failJobs(params: FailJobsParams): Promise<FailResult> {
    const outcomes = applyUnderLease(this.store, 'failJobs', params.jobs, params.now, (job, ref) => {
      if (ref.retryAt !== null) assertValidDate('failJobs.jobs[].retryAt', ref.retryAt)
      // A job whose cancel was requested never goes back to pending: the worker cancels it instead.
      if (ref.retryAt !== null && job.cancelRequestedAt !== null) return 'cancelRequested'
      applyUpdates(job, ref, this.options.maxLogEntries)
      this.transitions.recordError(job, copyValue(ref.error, 'error'))
      // The caller decided the end state under its lease: null fails the job for good.
      if (ref.retryAt === null) {
        this.transitions.finish(job, 'failed', params.now)
        return 'failed'
      }
      this.transitions.returnToPending(job, ref.retryAt, params.now)
      return 'retried'
    })
    const result: FailResult = { retried: [], failed: [], lost: [], cancelRequested: [] }
    return sortOutcomes(outcomes, result)
  }

  async releaseJobs(params: ReleaseJobsParams): Promise<ReleaseResult> {
    const outcomes = applyUnderLease(this.store, 'releaseJobs', params.jobs, params.now, (job, ref) => {
      if (ref.runAt !== undefined) assertValidDate('releaseJobs.jobs[].runAt', ref.runAt)
      if (job.cancelRequestedAt !== null) return 'cancelRequested'
      applyUpdates(job, ref, this.options.maxLogEntries)
      job.attempts = Math.max(0, job.attempts - 1)
      // A snooze names when the job is due again; a shutdown release makes it due now.
      this.transitions.returnToPending(job, ref.runAt ?? params.now, params.now)
      return 'applied'
    })
    return sortOutcomes(outcomes, { applied: [], lost: [], cancelRequested: [] })
  }

  /** No batched write in memory: each acknowledgement as its own method does it, then the cancels. */
  async acknowledgeJobs(params: AcknowledgeJobsParams): Promise<AcknowledgeResult> {
    const others = await acknowledgeSeparately(this, params)
    return { ...others, cancel: this.cancelRunning(params.cancel ?? [], params.now) }
  }

  /** Ends running jobs `cancelled` under their lease (the `cancel` list of `acknowledgeJobs`). */
  protected cancelRunning(jobs: CancelJob[], now: Date): AckResult {
    return ackUnderLease(this.store, 'acknowledgeJobs.cancel', jobs, now, (job, ref) => {
      applyUpdates(job, ref, this.options.maxLogEntries)
      this.transitions.recordError(job, copyValue(ref.error, 'error'))
      this.transitions.finish(job, 'cancelled', now)
    })
  }

  async recoverExpiredLeases(params: RecoverExpiredLeasesParams): Promise<RecoverResult> {
    assertValidDate('recoverExpiredLeases.now', params.now)
    const result: RecoverResult = { recovered: 0, failed: 0, cancelled: 0 }
    for (const { job } of this.store.values()) {
      if (job.state !== 'active' || job.leaseExpiresAt === null || job.leaseExpiresAt >= params.now) continue
      const atCap = job.attempts >= job.maxAttempts
      const cancelled = job.cancelRequestedAt !== null
      // The JobError contract calls a lease expiring at the cap fatal: no attempt is left. A job
      // whose cancel was requested ends for good too.
      this.transitions.recordError(job, {
        ...copyValue(params.error, 'error'),
        attempt: job.attempts,
        fatal: params.error.fatal || atCap || cancelled,
      })
      if (cancelled) {
        this.transitions.finish(job, 'cancelled', params.now)
        result.cancelled += 1
      } else if (atCap) {
        this.transitions.finish(job, 'failed', params.now)
        result.failed += 1
      } else {
        this.transitions.returnToPending(job, params.now, params.now)
        result.recovered += 1
      }
    }
    return result
  }

  async claimOrEnqueue(params: ClaimOrEnqueueParams): Promise<ClaimOrEnqueueResult> {
    assertValidDate('claimOrEnqueue.now', params.now)
    assertValidNewJob('claimOrEnqueue.job', params.job)
    assertNonEmptyString('claimOrEnqueue.job.dedupeKey', params.job.dedupeKey)
    assertPositiveInteger('claimOrEnqueue.leaseMs', params.leaseMs)
    assertNonEmptyString('claimOrEnqueue.workerId', params.workerId)
    const sameKey = this.store.withKey(params.job.dedupeKey)
    if (findDedupeConflict({ ...params.job, state: 'active' }, sameKey) === undefined) {
      const stored = this.store.allocate(createJob(params.job, '', params.now))
      startAttempt(stored.job, { leaseMs: params.leaseMs, workerId: params.workerId, now: params.now })
      this.store.set(stored.job.id, stored)
      return { outcome: 'claimed', job: structuredClone(stored.job) }
    }
    if (findDedupeConflict({ ...params.job, state: 'pending' }, sameKey) === undefined) {
      const stored = this.store.allocate(createJob(params.job, '', params.now))
      this.store.set(stored.job.id, stored)
      this.transitions.wake([{ type: stored.job.type, runAt: new Date(stored.job.runAt) }])
      return { outcome: 'enqueued', id: stored.job.id }
    }
    return { outcome: 'duplicate' }
  }

  async getStats(params: GetStatsParams): Promise<QueueStats> {
    assertValidDate('getStats.now', params.now)
    return computeStats(this.store.jobs(), params.now, params.type)
  }

  async getJob(params: { id: string }): Promise<Job | null> {
    const stored = this.store.get(params.id)
    return stored === undefined ? null : structuredClone(stored.job)
  }

  async listJobs(params: ListJobsParams): Promise<ListJobsResult> {
    assertPositiveInteger('listJobs.limit', params.limit)
    assertValidFilter('listJobs.filter', params.filter)
    const before = params.cursor == null ? Number.POSITIVE_INFINITY : decodeListCursor(params.cursor)
    const matching = [...this.store.values()]
      .filter((stored) => stored.sequence < before && matchesFilter(stored.job, params.filter))
      .sort((first, second) => second.sequence - first.sequence)
    const page = matching.slice(0, params.limit)
    const last = page.at(-1)
    return {
      jobs: page.map((stored) => structuredClone(stored.job)),
      nextCursor:
        matching.length > params.limit && last !== undefined ? encodeListCursor(last.sequence) : null,
    }
  }

  async cancelJobs(params: SelectJobsParams): Promise<string[]> {
    const cancelled: string[] = []
    for (const { job } of selectJobs(this.store, 'cancelJobs', params)) {
      if (job.state === 'pending') {
        this.transitions.finish(job, 'cancelled', params.now)
      } else if (job.state === 'active' && job.cancelRequestedAt === null) {
        // Stays active under its lease: the worker holding it hears of it at its next heartbeat.
        job.cancelRequestedAt = new Date(params.now)
        job.updatedAt = new Date(params.now)
      } else continue
      cancelled.push(job.id)
    }
    // The worker running a job whose cancel was requested hears of it now, not at its heartbeat.
    const requested = cancelled.filter((id) => this.store.get(id)?.job.state === 'active')
    this.push.cancelRequested(requested)
    return cancelled
  }

  async retryJobs(params: SelectJobsParams): Promise<string[]> {
    const retried: string[] = []
    for (const { job } of selectJobs(this.store, 'retryJobs', params)) {
      if (job.state !== 'failed' && job.state !== 'completed' && job.state !== 'cancelled') continue
      if (findDedupeConflict({ ...job, state: 'pending' }, this.store.withKey(job.dedupeKey)) !== undefined)
        continue
      job.attempts = 0
      job.finishedAt = null
      job.result = null
      job.cancelRequestedAt = null
      this.transitions.returnToPending(job, params.now, params.now)
      retried.push(job.id)
    }
    return retried
  }

  async removeJobs(params: SelectJobsParams): Promise<number> {
    let removed = 0
    for (const { job } of selectJobs(this.store, 'removeJobs', params)) {
      if (job.state === 'active') continue
      this.store.delete(job.id)
      removed += 1
    }
    return removed
  }

  /** Reports `connected` at once; wakes arrive in a microtask after each write that makes jobs claimable. */
  async subscribe(params: SubscribeParams): Promise<PushSubscription> {
    return this.push.subscribe(params)
  }

  /**
   * Claims one pending job by id whatever its `runAt` (ImmediateBackend runs jobs as they are
   * enqueued). Null when it is not pending or another job with its key is active.
   */
  protected claimJobById(id: string, lease: { leaseMs: number; workerId: string; now: Date }): Job | null {
    const stored = this.store.get(id)
    if (stored === undefined || stored.job.state !== 'pending') return null
    const job = stored.job
    if (findDedupeConflict({ ...job, state: 'active' }, this.store.withKey(job.dedupeKey)) !== undefined)
      return null
    startAttempt(job, lease)
    return structuredClone(job)
  }

  /** Copies of every committed job, oldest first (what `DummyBackend.jobs` and `ImmediateBackend.jobs` show). */
  protected snapshotJobs(): Job[] {
    return this.store.snapshot()
  }

  private sessionFor(session: unknown): MemorySession | undefined {
    if (session === undefined || session === null) return undefined
    if (sessionOwner(session) !== this.owner) {
      throw new ValidationError(
        'enqueueJobs.session',
        'must be a MemorySession from this backend.startSession()',
        session,
      )
    }
    return session as MemorySession
  }

  private commitStaged(staged: StoredJob[]): void {
    const accepted: Job[] = []
    for (const { job } of staged) {
      const conflict = findDedupeConflict(job, [...this.store.withKey(job.dedupeKey), ...accepted])
      if (conflict !== undefined) {
        throw new BackendError(
          'commitTransaction',
          `job ${job.id}'s dedupeKey ${JSON.stringify(job.dedupeKey)} is now held by job ${conflict.id}; the transaction was aborted and none of its jobs were written`,
          { transient: true },
        )
      }
      accepted.push(job)
    }
    for (const stored of staged) this.store.set(stored.job.id, stored)
    this.transitions.wake(staged.map(({ job }) => ({ type: job.type, runAt: new Date(job.runAt) })))
  }
}
