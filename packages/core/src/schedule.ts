/**
 * The schedule model: recurring jobs declared in code and stored by the backend, so every started
 * queue of a fleet can enqueue their occurrences and none enqueues one twice.
 * `docs/schedules.md` describes the behaviour; `packages/core/src/schedules/` computes occurrences.
 */
import type { BackoffSpec, JobMetadata } from './job.js'

/**
 * What happens to an occurrence while the schedule's previous run is still pending or active.
 * - `'allow'`: it runs anyway, side by side.
 * - `'skip'`: it is skipped and counted in `skipped`.
 * - `'buffer-one'`: one run waits behind the running one; occurrences beyond that one are skipped.
 * - `'cancel-running'`: the running job is cancelled (its handler's signal aborts) and the new one runs.
 */
export type ScheduleOverlap = 'allow' | 'skip' | 'buffer-one' | 'cancel-running'

export const SCHEDULE_OVERLAPS: readonly ScheduleOverlap[] = ['allow', 'skip', 'buffer-one', 'cancel-running']

/**
 * What runs for occurrences the fleet reached late, after `catchUp.graceMs` had passed (no process
 * was running, or all were paused):
 * - `'none'`: none of them; each counts in `missed`.
 * - `'latest'`: the newest of them, unless an on-time occurrence runs in the same pass; the rest count in `missed`.
 * - `'all'`: each of them within `windowMs` of now, at most `maxRuns`; the rest count in `missed`.
 */
export type CatchUpPolicy = 'none' | 'latest' | 'all'

export const CATCH_UP_POLICIES: readonly CatchUpPolicy[] = ['none', 'latest', 'all']

/** The job options a schedule stores for the jobs it enqueues (no dedupe key: `overlap` owns it). */
export interface ScheduleJobOptions {
  priority?: number
  maxAttempts?: number
  backoff?: BackoffSpec
  timeoutMs?: number
  metadata?: JobMetadata
}

/** The catch-up option in full; a bare policy string takes the defaults for the rest. */
export interface CatchUpOptions {
  policy: CatchUpPolicy
  /** How late an occurrence may be enqueued and still count as on time. @defaultValue 60000 */
  graceMs?: number
  /** `'all'`: only occurrences within this long before now run. @defaultValue 86400000 (a day) */
  windowMs?: number
  /** `'all'`: at most this many caught-up runs per pass. @defaultValue 10 */
  maxRuns?: number
}

/** A schedule as `queue.schedules.upsert()` takes it. Exactly one of `cron` and `everyMs`. */
export interface ScheduleDefinitionInput<TData = unknown> {
  /** 5 fields (minute precision) or 6 (leading seconds), in `timezone`. */
  cron?: string
  /** A fixed interval in absolute time, at least 1000, counted from `startAt` (or 1970-01-01T00:00Z). */
  everyMs?: number
  /** An IANA time zone for `cron`. @defaultValue 'UTC' */
  timezone?: string
  type: string
  data?: TData
  options?: ScheduleJobOptions
  /** @defaultValue 'allow' */
  overlap?: ScheduleOverlap
  /** @defaultValue 'latest' */
  catchUp?: CatchUpPolicy | CatchUpOptions
  /** Each occurrence's job is due up to this much later, the same for every process. @defaultValue 0 */
  jitterMs?: number
  /** No occurrence before this instant. */
  startAt?: Date
  /** No occurrence after this instant. */
  endAt?: Date
  /** The schedule ends after this many runs. */
  limit?: number
}

/** A validated definition with every default filled in, as the backend stores it. */
export interface ScheduleDefinition {
  cron: string | null
  everyMs: number | null
  timezone: string
  type: string
  data: unknown
  options: {
    priority: number
    maxAttempts: number
    backoff: BackoffSpec
    timeoutMs: number | null
    metadata: JobMetadata
  }
  overlap: ScheduleOverlap
  catchUp: { policy: CatchUpPolicy; graceMs: number; windowMs: number; maxRuns: number }
  jitterMs: number
  startAt: Date | null
  endAt: Date | null
  limit: number | null
}

/** A stored schedule: its definition and where it stands. */
export interface Schedule {
  id: string
  definition: ScheduleDefinition
  /** A hash of the whole definition: an `upsert` with the same hash changes nothing. */
  definitionHash: string
  /** A hash of the fields that decide occurrences (cron, everyMs, timezone, startAt, endAt). */
  timingHash: string
  /** The next occurrence to enqueue; null when the schedule ended (`limit` reached or past `endAt`). */
  nextRunAt: Date | null
  paused: boolean
  /** Occurrences enqueued (caught-up runs included; manual triggers not). */
  runs: number
  /** Occurrences skipped by the overlap policy. */
  skipped: number
  /** Occurrences not run after downtime, per the catch-up policy. */
  missed: number
  /** The occurrence instant of the newest run (enqueued, or skipped by the overlap policy). */
  lastRunAt: Date | null
  /** When the newest run was enqueued. */
  lastEnqueuedAt: Date | null
  /** The id of the newest job the schedule enqueued (a run or a manual trigger). */
  lastJobId: string | null
  /** The worker that advanced the schedule last: it fires the next occurrence, the others stand by. */
  owner: string | null
  /** True when `schedules.sync()` declared it (and may remove it once code stops declaring it). */
  managed: boolean
  /** When `sync()` first found it no longer declared; null while declared. */
  undeclaredSince: Date | null
  createdAt: Date
  updatedAt: Date
  /** Bumped by every write: the compare-and-set guard of `fireSchedule` and `patchSchedule`. */
  rev: number
}

/** What a schedule is created from (`ScheduleStore.upsertSchedule`'s params). */
export interface NewScheduleFields {
  definition: ScheduleDefinition
  definitionHash: string
  timingHash: string
  nextRunAt: Date | null
  managed: boolean
  now: Date
}

/**
 * The stored fields of a schedule as it is first written: not paused, nothing run, no owner,
 * `rev` 1. Every backend starts from this, so the initial state is defined once.
 */
export function newScheduleFields(params: NewScheduleFields): Omit<Schedule, 'id'> {
  return {
    definition: params.definition,
    definitionHash: params.definitionHash,
    timingHash: params.timingHash,
    nextRunAt: params.nextRunAt,
    paused: false,
    runs: 0,
    skipped: 0,
    missed: 0,
    lastRunAt: null,
    lastEnqueuedAt: null,
    lastJobId: null,
    owner: null,
    managed: params.managed,
    undeclaredSince: null,
    createdAt: params.now,
    updatedAt: params.now,
    rev: 1,
  }
}

/**
 * Job metadata keys a schedule's jobs carry, for logs, traces and the dashboard. Underscores, not
 * dots: MongoDB reads a dot in a query path as a nested field.
 */
export const SCHEDULE_METADATA = {
  /** The schedule id. */
  schedule: 'durabl_schedule',
  /** The occurrence instant, ISO 8601 in UTC (`manual` for a `trigger()`). */
  occurrence: 'durabl_occurrence',
  /** `'true'` on a run enqueued by the catch-up policy after downtime. */
  caughtUp: 'durabl_caught_up',
} as const

/** The unique key of one occurrence's job: the schedule id and the exact UTC instant. */
export function occurrenceKey(scheduleId: string, occurrence: Date): string {
  return `${scheduleId}@${occurrence.toISOString()}`
}

/** The dedupe key a schedule's jobs carry under the `skip`, `buffer-one` and `cancel-running` overlap policies. */
export function scheduleDedupeKey(scheduleId: string): string {
  return `durabl:schedule:${scheduleId}`
}
