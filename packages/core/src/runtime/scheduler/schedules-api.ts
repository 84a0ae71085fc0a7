import type { Backend, ScheduleStore } from '../../backend.js'
import type { Clock } from '../../clock.js'
import { NotSupportedError } from '../../errors/not-supported-error.js'
import { ValidationError } from '../../errors/validation-error.js'
import type { Schedule, ScheduleDefinition, ScheduleDefinitionInput } from '../../schedule.js'
import {
  isPlainObject,
  rejectUnknownKeys,
  requireNoControlCharacters,
  requireNonEmptyString,
  requireTimerMs,
} from '../../validation/rules.js'
import { validatePayload } from '../../validation/validate-payload.js'
import type { TypedEventEmitter } from '../event-emitter.js'
import { occurrenceJob } from './occurrence-jobs.js'
import type { Scheduler } from './scheduler.js'
import {
  nextOccurrence,
  previewOccurrences,
  resolveScheduleDefinition,
  scheduleHashes,
} from './time-engine.js'

/** The longest schedule id accepted. */
export const MAX_SCHEDULE_ID_LENGTH = 200
/** How long `sync()` waits before removing (or pausing) a schedule code stopped declaring. */
export const DEFAULT_SYNC_GRACE_MS = 600_000
/** The most occurrences `preview()` returns. */
export const MAX_PREVIEW_COUNT = 1_000

/** A schedule as `queue.schedules` returns it: the stored record and its latest lag. */
export interface ScheduleInfo extends Schedule {
  /**
   * From the newest run's occurrence instant to its enqueue; null before the first run and when
   * the newest run was skipped by the overlap policy. The `schedule:enqueued` event has every run's lag.
   */
  lagMs: number | null
}

export interface UpsertScheduleOutcome {
  outcome: 'created' | 'updated' | 'unchanged'
  schedule: ScheduleInfo
}

/** One entry of `sync()`: a definition with its id. */
export type ScheduleDeclaration<TData = unknown> = ScheduleDefinitionInput<TData> & { id: string }

export interface SyncSchedulesOptions {
  /**
   * How long a stored schedule that code stopped declaring is kept before `onUndeclared` applies,
   * so a rolling deploy (old and new code side by side) never removes and re-creates it. @defaultValue 600000
   */
  graceMs?: number
  /** @defaultValue 'remove' */
  onUndeclared?: 'remove' | 'pause'
}

export interface SyncSchedulesResult {
  created: string[]
  updated: string[]
  unchanged: string[]
  /** No longer declared, within the grace period: left running for now. */
  undeclared: string[]
  removed: string[]
  paused: string[]
}

export interface SchedulesParams {
  backend: Backend
  clock: Clock
  events: TypedEventEmitter
  workerId: string
  maxPayloadBytes: number
  /** The running scheduler, when this queue runs schedules and has started. */
  scheduler(): Scheduler | null
}

/**
 * `queue.schedules`: recurring jobs declared in code and stored by the backend. Every method
 * validates its input before writing anything and throws a ValidationError naming the field.
 */
export class Schedules {
  readonly #params: SchedulesParams

  constructor(params: SchedulesParams) {
    this.#params = params
  }

  /**
   * Creates or updates a schedule. An unchanged definition changes nothing (the next run stays);
   * a changed one is stored, and the next run is recomputed from now only if the timing changed.
   */
  async upsert<TData = unknown>(
    id: string,
    definition: ScheduleDefinitionInput<TData>,
  ): Promise<UpsertScheduleOutcome> {
    const validId = requireScheduleId('id', id)
    const resolved = this.#resolve(definition, 'definition')
    return this.#upsert(validId, resolved, false)
  }

  /**
   * Declares the whole set: upserts each, and for stored schedules that an earlier `sync()`
   * declared and this one does not, starts a grace period; once it has passed, removes (or pauses)
   * them. Every declaration is validated before anything is written.
   */
  async sync(
    declarations: ReadonlyArray<ScheduleDeclaration>,
    options: SyncSchedulesOptions = {},
  ): Promise<SyncSchedulesResult> {
    const store = this.#store()
    if (!Array.isArray(declarations))
      throw new ValidationError('declarations', 'must be an array', declarations)
    if (!isPlainObject(options)) throw new ValidationError('options', 'must be an object', options)
    rejectUnknownKeys('options', options, ['graceMs', 'onUndeclared'])
    const graceMs =
      options.graceMs === undefined
        ? DEFAULT_SYNC_GRACE_MS
        : requireTimerMs('options.graceMs', options.graceMs, 0)
    const onUndeclared = options.onUndeclared ?? 'remove'
    if (onUndeclared !== 'remove' && onUndeclared !== 'pause') {
      throw new ValidationError('options.onUndeclared', "must be 'remove' or 'pause'", onUndeclared)
    }
    const resolved = new Map<string, ScheduleDefinition>()
    declarations.forEach((declaration, index) => {
      if (!isPlainObject(declaration)) {
        throw new ValidationError(`declarations[${index}]`, 'must be an object with an id', declaration)
      }
      const { id, ...definition } = declaration as unknown as ScheduleDeclaration
      const validId = requireScheduleId(`declarations[${index}].id`, id)
      if (resolved.has(validId))
        throw new ValidationError(`declarations[${index}].id`, 'must be unique', validId)
      resolved.set(validId, this.#resolve(definition, `declarations[${index}]`))
    })
    const result: SyncSchedulesResult = {
      created: [],
      updated: [],
      unchanged: [],
      undeclared: [],
      removed: [],
      paused: [],
    }
    for (const [id, definition] of resolved) {
      const { outcome } = await this.#upsert(id, definition, true)
      result[outcome].push(id)
    }
    const now = this.#params.clock.now()
    for (const stored of await store.listSchedules({})) {
      if (!stored.managed || resolved.has(stored.id)) continue
      if (stored.undeclaredSince === null) {
        const marked = await store.patchSchedule({
          id: stored.id,
          expectedRev: stored.rev,
          set: { undeclaredSince: now },
          now,
        })
        if (marked !== null) this.#changed(stored.id, 'undeclared', marked)
        result.undeclared.push(stored.id)
      } else if (now.getTime() - stored.undeclaredSince.getTime() < graceMs) {
        result.undeclared.push(stored.id)
      } else if (onUndeclared === 'remove') {
        if (await store.removeSchedule({ id: stored.id })) {
          this.#changed(stored.id, 'removed', null)
          result.removed.push(stored.id)
        }
      } else if (!stored.paused) {
        const paused = await store.patchSchedule({ id: stored.id, set: { paused: true }, now })
        if (paused !== null) {
          this.#changed(stored.id, 'paused', paused)
          result.paused.push(stored.id)
        }
      }
    }
    return result
  }

  /** Stops enqueueing occurrences (jobs already enqueued stay). Null when there is no such schedule. */
  async pause(id: string): Promise<ScheduleInfo | null> {
    const store = this.#store()
    const validId = requireScheduleId('id', id)
    const now = this.#params.clock.now()
    const schedule = await store.patchSchedule({ id: validId, set: { paused: true }, now })
    if (schedule !== null) this.#changed(validId, 'paused', schedule)
    return schedule === null ? null : info(schedule)
  }

  /**
   * Enqueues occurrences again, from the next one after now: occurrences while paused are neither
   * run nor counted as missed. Null when there is no such schedule.
   */
  async resume(id: string): Promise<ScheduleInfo | null> {
    const store = this.#store()
    const validId = requireScheduleId('id', id)
    const current = await store.getSchedule({ id: validId })
    if (current === null) return null
    if (!current.paused) return info(current)
    const now = this.#params.clock.now()
    const nextRunAt = nextOccurrence(current.definition, now)
    const schedule = await store.patchSchedule({ id: validId, set: { paused: false, nextRunAt }, now })
    if (schedule !== null) this.#changed(validId, 'resumed', schedule)
    return schedule === null ? null : info(schedule)
  }

  /**
   * Enqueues one run now, outside the timetable (its `durabl.occurrence` metadata is `manual`); the
   * overlap policy's dedupe key applies. Resolves to the job id, or null when the overlap policy
   * blocked it. Throws when there is no such schedule.
   */
  async trigger(id: string): Promise<string | null> {
    const { backend, clock, events } = this.#params
    const store = this.#store()
    const validId = requireScheduleId('id', id)
    const schedule = await store.getSchedule({ id: validId })
    if (schedule === null) throw new ValidationError('id', 'must name a stored schedule', validId)
    const now = clock.now()
    const job = occurrenceJob(schedule, null, false, now)
    const [jobId] = await backend.enqueueJobs({ jobs: [job], now })
    if (jobId === null || jobId === undefined) {
      if (job.dedupeKey !== null) events.emit('job:duplicate', { type: job.type, dedupeKey: job.dedupeKey })
      return null
    }
    events.emit('job:enqueued', {
      id: jobId,
      type: job.type,
      priority: job.priority,
      runAt: job.runAt,
      dedupeKey: job.dedupeKey,
      metadata: job.metadata,
    })
    const updated = await store.patchSchedule({ id: validId, set: { lastJobId: jobId }, now })
    this.#changed(validId, 'triggered', updated)
    return jobId
  }

  /** Deletes the schedule; jobs it enqueued stay. True when it existed. */
  async remove(id: string): Promise<boolean> {
    const validId = requireScheduleId('id', id)
    const removed = await this.#store().removeSchedule({ id: validId })
    if (removed) this.#changed(validId, 'removed', null)
    return removed
  }

  async get(id: string): Promise<ScheduleInfo | null> {
    const schedule = await this.#store().getSchedule({ id: requireScheduleId('id', id) })
    return schedule === null ? null : info(schedule)
  }

  /** Every schedule, sorted by id. */
  async list(): Promise<ScheduleInfo[]> {
    return (await this.#store().listSchedules({})).map(info)
  }

  /** The next `count` occurrences of a stored schedule after now (or after its next run, if later). */
  async preview(id: string, count = 5): Promise<Date[]> {
    const validId = requireScheduleId('id', id)
    if (!Number.isInteger(count) || count < 1 || count > MAX_PREVIEW_COUNT) {
      throw new ValidationError('count', `must be an integer from 1 to ${MAX_PREVIEW_COUNT}`, count)
    }
    const schedule = await this.#store().getSchedule({ id: validId })
    if (schedule === null) throw new ValidationError('id', 'must name a stored schedule', validId)
    const now = this.#params.clock.now()
    if (schedule.nextRunAt === null) return []
    const first = schedule.nextRunAt > now ? schedule.nextRunAt : nextOccurrence(schedule.definition, now)
    if (first === null) return []
    return [first, ...previewOccurrences(schedule.definition, first, count - 1)]
  }

  /** The schedules as this process's scheduler last saw them, without a backend call (for metrics). */
  local(): ScheduleInfo[] {
    return (this.#params.scheduler()?.snapshot() ?? []).map(info)
  }

  async #upsert(
    id: string,
    definition: ScheduleDefinition,
    managed: boolean,
  ): Promise<UpsertScheduleOutcome> {
    const store = this.#store()
    const now = this.#params.clock.now()
    const { definitionHash, timingHash } = scheduleHashes(definition)
    const result = await store.upsertSchedule({
      id,
      definition,
      definitionHash,
      timingHash,
      nextRunAt: nextOccurrence(definition, now),
      managed,
      now,
    })
    if (result.outcome !== 'unchanged') this.#changed(id, result.outcome, result.schedule)
    return { outcome: result.outcome, schedule: info(result.schedule) }
  }

  #resolve(input: unknown, field: string): ScheduleDefinition {
    const definition = resolveScheduleDefinition(input, field)
    validatePayload(definition.data, `${field}.data`, this.#params.maxPayloadBytes)
    return definition
  }

  #changed(
    id: string,
    change: 'created' | 'updated' | 'paused' | 'resumed' | 'removed' | 'undeclared' | 'triggered',
    schedule: Schedule | null,
  ): void {
    this.#params.events.emit('schedule:changed', { scheduleId: id, change })
    // This queue's own scheduler learns at once; others learn from the change stream or their scan.
    if (change !== 'triggered') this.#params.scheduler()?.remember(schedule, id)
  }

  #store(): ScheduleStore {
    const store = this.#params.backend.schedules
    if (store === undefined || this.#params.backend.capabilities.schedules !== true) {
      throw new NotSupportedError(`the ${this.#params.backend.name} backend does not store schedules`)
    }
    return store
  }
}

function info(schedule: Schedule): ScheduleInfo {
  const { lastRunAt, lastEnqueuedAt } = schedule
  // Null before the first run, and when the newest run was skipped (enqueued before its occurrence's pass).
  const lagMs =
    lastRunAt !== null && lastEnqueuedAt !== null && lastEnqueuedAt >= lastRunAt
      ? lastEnqueuedAt.getTime() - lastRunAt.getTime()
      : null
  return { ...schedule, lagMs }
}

function requireScheduleId(field: string, value: unknown): string {
  return requireNoControlCharacters(field, requireNonEmptyString(field, value, MAX_SCHEDULE_ID_LENGTH))
}
