import {
  type FireScheduleParams,
  type FireScheduleResult,
  newScheduleFields,
  type OccurrenceOutcome,
  type PatchScheduleParams,
  type Schedule,
  type ScheduleChange,
  type ScheduleStore,
  type UpsertScheduleParams,
  type UpsertScheduleResult,
  ValidationError,
} from '@durabl/core'
import { findDedupeConflict } from './dedupe-rule.js'
import { copyValue, createJob } from './job-record.js'
import type { JobStore } from './job-store.js'
import type { JobTransitions } from './job-transitions.js'
import type { PushHub } from './push-hub.js'
import { assertNonEmptyString, assertValidDate, assertValidNewJob } from './validate-params.js'

/**
 * A MemoryBackend's schedules. Each call runs to completion before another starts (JavaScript is
 * single-threaded and nothing here awaits), so a compare-and-set is a plain comparison. Occurrence
 * keys are kept beside the jobs they wrote: a key is taken for as long as its job is stored, as a
 * unique index on the job would hold it.
 */
export class MemoryScheduleStore implements ScheduleStore {
  private readonly schedules = new Map<string, Schedule>()
  private readonly occurrences = new Map<string, string>()

  constructor(
    private readonly store: JobStore,
    private readonly transitions: JobTransitions,
    private readonly push: PushHub,
  ) {}

  async upsertSchedule(params: UpsertScheduleParams): Promise<UpsertScheduleResult> {
    assertNonEmptyString('upsertSchedule.id', params.id)
    assertValidDate('upsertSchedule.now', params.now)
    const existing = this.schedules.get(params.id)
    const now = new Date(params.now)
    if (existing === undefined) {
      const schedule: Schedule = {
        id: params.id,
        ...newScheduleFields({
          ...params,
          definition: copyValue(params.definition, 'definition'),
          nextRunAt: params.nextRunAt === null ? null : new Date(params.nextRunAt),
          now,
        }),
      }
      this.schedules.set(params.id, schedule)
      this.announce({ ...fieldsOf(schedule), id: schedule.id, deleted: false, definitionChanged: true })
      return { outcome: 'created', schedule: structuredClone(schedule) }
    }
    if (existing.definitionHash === params.definitionHash) {
      if (params.managed && (!existing.managed || existing.undeclaredSince !== null)) {
        existing.managed = true
        existing.undeclaredSince = null
        this.touch(existing, now)
      }
      return { outcome: 'unchanged', schedule: structuredClone(existing) }
    }
    existing.definition = copyValue(params.definition, 'definition')
    existing.definitionHash = params.definitionHash
    if (existing.timingHash !== params.timingHash) {
      existing.timingHash = params.timingHash
      existing.nextRunAt = params.nextRunAt === null ? null : new Date(params.nextRunAt)
    }
    if (params.managed) {
      existing.managed = true
      existing.undeclaredSince = null
    }
    this.touch(existing, now, true)
    return { outcome: 'updated', schedule: structuredClone(existing) }
  }

  async getSchedule(params: { id: string }): Promise<Schedule | null> {
    assertNonEmptyString('getSchedule.id', params.id)
    const schedule = this.schedules.get(params.id)
    return schedule === undefined ? null : structuredClone(schedule)
  }

  async listSchedules(): Promise<Schedule[]> {
    return [...this.schedules.values()]
      .sort((first, second) => (first.id < second.id ? -1 : first.id > second.id ? 1 : 0))
      .map((schedule) => structuredClone(schedule))
  }

  async patchSchedule(params: PatchScheduleParams): Promise<Schedule | null> {
    assertNonEmptyString('patchSchedule.id', params.id)
    assertValidDate('patchSchedule.now', params.now)
    const schedule = this.schedules.get(params.id)
    if (schedule === undefined) return null
    if (params.expectedRev !== undefined && schedule.rev !== params.expectedRev) return null
    const { set } = params
    if (set.paused !== undefined) schedule.paused = set.paused
    if (set.nextRunAt !== undefined)
      schedule.nextRunAt = set.nextRunAt === null ? null : new Date(set.nextRunAt)
    if (set.undeclaredSince !== undefined) {
      schedule.undeclaredSince = set.undeclaredSince === null ? null : new Date(set.undeclaredSince)
    }
    if (set.lastJobId !== undefined) schedule.lastJobId = set.lastJobId
    if (set.owner !== undefined) {
      if (set.owner !== null) {
        throw new ValidationError(
          'patchSchedule.set.owner',
          'may only be null (giving the schedule up)',
          set.owner,
        )
      }
      schedule.owner = null
    }
    this.touch(schedule, new Date(params.now))
    return structuredClone(schedule)
  }

  async removeSchedule(params: { id: string }): Promise<boolean> {
    assertNonEmptyString('removeSchedule.id', params.id)
    const removed = this.schedules.delete(params.id)
    if (removed) this.announce({ id: params.id, deleted: true, definitionChanged: false })
    return removed
  }

  async fireSchedule(params: FireScheduleParams): Promise<FireScheduleResult> {
    assertNonEmptyString('fireSchedule.id', params.id)
    assertValidDate('fireSchedule.now', params.now)
    assertValidDate('fireSchedule.expected.nextRunAt', params.expected?.nextRunAt)
    if (!Array.isArray(params.jobs))
      throw new ValidationError('fireSchedule.jobs', 'must be an array', params.jobs)
    params.jobs.forEach((job, index) => {
      assertValidNewJob(`fireSchedule.jobs[${index}]`, job)
      assertNonEmptyString(`fireSchedule.jobs[${index}].occurrenceKey`, job.occurrenceKey)
    })
    const now = new Date(params.now)
    const outcomes: OccurrenceOutcome[] = params.jobs.map((job) => this.writeOccurrence(job, now))
    const schedule = this.schedules.get(params.id)
    const advanced =
      schedule !== undefined &&
      !schedule.paused &&
      schedule.rev === params.expected.rev &&
      schedule.nextRunAt?.getTime() === params.expected.nextRunAt.getTime()
    if (advanced) {
      const enqueued = outcomes.filter((outcome) => outcome.outcome === 'enqueued')
      schedule.runs += outcomes.filter((outcome) => outcome.outcome !== 'overlap').length
      schedule.skipped += outcomes.filter((outcome) => outcome.outcome === 'overlap').length
      schedule.missed += params.advance.missed
      schedule.nextRunAt = params.advance.nextRunAt === null ? null : new Date(params.advance.nextRunAt)
      schedule.lastRunAt = new Date(params.advance.lastRunAt)
      schedule.owner = params.advance.owner
      if (enqueued.length > 0) {
        schedule.lastEnqueuedAt = now
        schedule.lastJobId = (enqueued[enqueued.length - 1] as { id: string }).id
      }
      this.touch(schedule, now)
    }
    return { jobs: outcomes, advanced, schedule: schedule === undefined ? null : structuredClone(schedule) }
  }

  private writeOccurrence(job: FireScheduleParams['jobs'][number], now: Date): OccurrenceOutcome {
    const holder = this.occurrences.get(job.occurrenceKey)
    if (holder !== undefined && this.store.has(holder)) return { outcome: 'exists' }
    if (findDedupeConflict({ ...job, state: 'pending' }, this.store.jobs()) !== undefined) {
      return { outcome: 'overlap' }
    }
    const { occurrenceKey, ...newJob } = job
    const stored = this.store.allocate(createJob(newJob, '', now))
    this.store.set(stored.job.id, stored)
    this.occurrences.set(occurrenceKey, stored.job.id)
    this.transitions.wake([{ type: stored.job.type, runAt: new Date(stored.job.runAt) }])
    return { outcome: 'enqueued', id: stored.job.id }
  }

  /** Bumps `rev` and `updatedAt`, and tells subscribers. */
  private touch(schedule: Schedule, now: Date, definitionChanged = false): void {
    schedule.rev += 1
    schedule.updatedAt = now
    this.announce({ ...fieldsOf(schedule), id: schedule.id, deleted: false, definitionChanged })
  }

  private announce(change: ScheduleChange): void {
    this.push.scheduleChanged(change)
  }
}

function fieldsOf(schedule: Schedule): Pick<ScheduleChange, 'nextRunAt' | 'rev' | 'owner' | 'paused'> {
  return {
    nextRunAt: schedule.nextRunAt === null ? null : new Date(schedule.nextRunAt),
    rev: schedule.rev,
    owner: schedule.owner,
    paused: schedule.paused,
  }
}
