import type {
  BackoffSpec,
  DedupeScope,
  Job,
  JobError,
  JobLogEntry,
  JobMetadata,
  JobState,
  NewJob,
} from '@durabl/core'
import { pendingJobFields } from '@durabl/core'
import { ObjectId } from 'mongodb'

/**
 * The dedupe slots a job holds, derived from `dedupeKey`, `dedupeScope` and `state`, each guarded
 * by a unique partial index (`$type: 'string'`; `null` or missing means the slot is free):
 *
 * - `pendingKey`: the key's one queued slot. A `'pending'`-scope job holds it from enqueue until it
 *   is claimed; a `'pending+active'` job holds it while pending or active.
 * - `activeKey`: the key's one running slot. A `'pending'`-scope job takes it at claim (the claim
 *   is skipped when another job holds it: single-flight); a `'pending+active'` job holds it from
 *   enqueue while pending or active, so nothing else with the key can start or queue meanwhile.
 *
 * Holding both slots for the whole pending+active life is what makes `'pending+active'` block
 * any duplicate in either scope, with two indexes and no read-then-write.
 */
export interface DedupeSlots {
  pendingKey?: string | null
  activeKey?: string | null
}

/**
 * The fleet-wide limit slots an active job of a limited type holds (see docs/limits.md), each
 * guarded by a unique partial index (`$type: 'string'`; missing means free), so no two active jobs
 * hold the same slot and a type (or key) with concurrency C never has more than C slot holders:
 *
 * - `type`: one of the type's `concurrency` slots, `["<type>",<n>]` with n from 0 to C - 1;
 * - `key`: one of its key's `perKey.concurrency` slots, `["<type>","<limitKey>",<n>]`.
 *
 * A claim takes them with the job; every write that moves the job out of `active` (complete,
 * fail, retry, release, cancel, recovery) unsets them in the same write, so they cannot leak.
 */
export interface LimitSlots {
  type?: string
  key?: string
}

/** A job as stored in MongoDB. Field names match {@link Job}; the rest is internal bookkeeping. */
export interface JobDocument {
  _id: ObjectId
  type: string
  data: unknown
  state: JobState
  priority: number
  runAt: Date
  attempts: number
  maxAttempts: number
  backoff: BackoffSpec
  timeoutMs: number | null
  dedupeKey: string | null
  dedupeScope: DedupeScope | null
  dedupe?: DedupeSlots
  /** `EnqueueOptions.limitKey`; absent (never stored as null) on jobs without one. */
  limitKey?: string | null
  /** Present only while active, on a job of a type with concurrency limits (see {@link LimitSlots}). */
  limitSlots?: LimitSlots
  leaseToken: string | null
  leaseExpiresAt: Date | null
  workerId: string | null
  /**
   * A random id written by the acknowledgement (complete, fail, retry, release) that moved the job
   * out of `active` most recently; recovery clears it. A batch of acknowledgements whose matched
   * count falls short reads it back to tell which of its own writes were applied, since bulkWrite
   * returns no per-operation counts. Per write, not per lease: two acknowledgements of the same
   * lease must not both count as applied.
   */
  lastAckId?: string | null
  lastError: JobError | null
  errors: JobError[]
  logs: JobLogEntry[]
  progress: unknown
  result: unknown
  metadata: JobMetadata
  createdAt: Date
  updatedAt: Date
  startedAt: Date | null
  finishedAt: Date | null
  /**
   * When a cancel was requested while the job was active (null or absent: never). Lease-guarded
   * writes that would extend or restart the job (heartbeat, retry, release) filter on it being
   * null, so a request shows up as "not matched" without an extra read in the common case.
   */
  cancelRequestedAt?: Date | null
  /** When the TTL index deletes the job; set when it finishes, absent while it may still run. */
  expiresAt?: Date | null
  /**
   * Bumped by every write. A claim guards on it, so the job it returns is exactly the document it
   * read (a job that went pending → active → pending meanwhile is not claimed from a stale copy).
   */
  rev: number
  /** Marks the documents one admin operation changed, so it can report exactly which. */
  adminToken?: string
  /**
   * The schedule occurrence the job runs (`occurrenceKey()` of core), on jobs `fireSchedule`
   * wrote; unique through `durabl_occurrence`. Not part of {@link Job}: the occurrence is also in
   * the job's metadata.
   */
  occurrenceKey?: string
}

/** The slots a job holds in a given state (see {@link DedupeSlots}). */
export function dedupeSlotsFor(
  key: string | null,
  scope: DedupeScope | null,
  state: 'pending' | 'active',
): DedupeSlots | undefined {
  if (key === null) return undefined
  if (scope === 'pending') return state === 'pending' ? { pendingKey: key } : { activeKey: key }
  return { pendingKey: key, activeKey: key }
}

/** The document `enqueueJobs` inserts for a new pending job. */
export function newJobDocument(job: NewJob, now: Date): JobDocument {
  const { limitKey, ...fields } = pendingJobFields(job, now)
  const document: JobDocument = { _id: new ObjectId(), ...fields, rev: 0 }
  // Stored only when given, so a job without one is the same document as before limits existed.
  if (limitKey !== null) document.limitKey = limitKey
  const slots = dedupeSlotsFor(document.dedupeKey, document.dedupeScope, 'pending')
  if (slots) document.dedupe = slots
  return document
}

/** The public view of a stored job: internal fields dropped, lease fields null unless active. */
export function toJob(document: JobDocument): Job {
  const active = document.state === 'active'
  return {
    id: document._id.toHexString(),
    type: document.type,
    data: document.data,
    state: document.state,
    priority: document.priority,
    runAt: document.runAt,
    attempts: document.attempts,
    maxAttempts: document.maxAttempts,
    backoff: document.backoff,
    timeoutMs: document.timeoutMs ?? null,
    dedupeKey: document.dedupeKey ?? null,
    dedupeScope: document.dedupeScope ?? null,
    limitKey: document.limitKey ?? null,
    leaseToken: active ? (document.leaseToken ?? null) : null,
    leaseExpiresAt: active ? (document.leaseExpiresAt ?? null) : null,
    workerId: active ? (document.workerId ?? null) : null,
    lastError: document.lastError ?? null,
    errors: document.errors ?? [],
    logs: document.logs ?? [],
    progress: document.progress ?? null,
    result: document.result ?? null,
    metadata: document.metadata ?? {},
    createdAt: document.createdAt,
    updatedAt: document.updatedAt,
    startedAt: document.startedAt ?? null,
    finishedAt: document.finishedAt ?? null,
    cancelRequestedAt: document.cancelRequestedAt ?? null,
  }
}
