import { newScheduleFields, type Schedule, type UpsertScheduleParams } from '@durabl/core'
import type { Collection } from 'mongodb'
import type { OperationContext } from '../operation-context.js'

/**
 * A schedule as stored in the schedules collection: the fields of {@link Schedule}, with the
 * schedule id as `_id` (a string, only ever compared for equality).
 */
export type ScheduleDocument = Omit<Schedule, 'id'> & { _id: string }

/** What every schedule operation receives: the jobs context and the schedules collection. */
export interface ScheduleContext extends OperationContext {
  schedules: Collection<ScheduleDocument>
}

/** The document `upsertSchedule` inserts for a new schedule (rev 1: its first write; nothing run yet). */
export function newScheduleDocument(params: UpsertScheduleParams): ScheduleDocument {
  return { _id: params.id, ...newScheduleFields(params) }
}

/** The public view of a stored schedule. */
export function toSchedule(document: ScheduleDocument): Schedule {
  return {
    id: document._id,
    definition: document.definition,
    definitionHash: document.definitionHash,
    timingHash: document.timingHash,
    nextRunAt: document.nextRunAt ?? null,
    paused: document.paused === true,
    runs: document.runs ?? 0,
    skipped: document.skipped ?? 0,
    missed: document.missed ?? 0,
    lastRunAt: document.lastRunAt ?? null,
    lastEnqueuedAt: document.lastEnqueuedAt ?? null,
    lastJobId: document.lastJobId ?? null,
    owner: document.owner ?? null,
    managed: document.managed === true,
    undeclaredSince: document.undeclaredSince ?? null,
    createdAt: document.createdAt,
    updatedAt: document.updatedAt,
    rev: document.rev,
  }
}
