import type { PatchScheduleParams, Schedule } from '@durabl/core'
import { ValidationError } from '@durabl/core'
import { commandComment } from '../command-comment.js'
import { assertDate, assertNonEmptyString, assertNonNegativeInteger } from '../validate.js'
import { type ScheduleContext, type ScheduleDocument, toSchedule } from './schedule-document.js'
import { assertBoolean, assertDateOrNull, assertObject, assertScheduleId } from './validate-schedule.js'

/** The fields a patch may set; any other key of `set` is refused, so no caller names a field. */
const PATCHABLE = ['paused', 'nextRunAt', 'undeclaredSince', 'lastJobId', 'owner'] as const

/**
 * Sets the given fields and bumps `rev`, guarded on `expectedRev` when given: one
 * `findAndModify` returning the schedule as written, or null when it does not exist or the guard
 * did not match.
 */
export async function patchSchedule(
  context: ScheduleContext,
  params: PatchScheduleParams,
): Promise<Schedule | null> {
  assertObject(params, 'params')
  assertScheduleId(params.id)
  if (params.expectedRev !== undefined) assertNonNegativeInteger(params.expectedRev, 'expectedRev')
  assertDate(params.now, 'now')
  const set = parseSet(params.set)
  const filter =
    params.expectedRev === undefined ? { _id: params.id } : { _id: params.id, rev: params.expectedRev }
  const written = await context.schedules.findOneAndUpdate(
    filter,
    { $set: { ...set, updatedAt: params.now }, $inc: { rev: 1 } },
    { returnDocument: 'after', comment: commandComment('patchSchedule') },
  )
  return written === null ? null : toSchedule(written)
}

function parseSet(set: PatchScheduleParams['set']): Partial<ScheduleDocument> {
  assertObject(set, 'set')
  for (const key of Object.keys(set)) {
    if (!(PATCHABLE as readonly string[]).includes(key)) {
      throw new ValidationError(
        `set.${key}`,
        `is not a field a patch may set (${PATCHABLE.join(', ')})`,
        set[key as never],
      )
    }
  }
  const fields: Partial<ScheduleDocument> = {}
  if (set.paused !== undefined) {
    assertBoolean(set.paused, 'set.paused')
    fields.paused = set.paused
  }
  if (set.nextRunAt !== undefined) {
    assertDateOrNull(set.nextRunAt, 'set.nextRunAt')
    fields.nextRunAt = set.nextRunAt
  }
  if (set.undeclaredSince !== undefined) {
    assertDateOrNull(set.undeclaredSince, 'set.undeclaredSince')
    fields.undeclaredSince = set.undeclaredSince
  }
  if (set.lastJobId !== undefined) {
    assertNonEmptyString(set.lastJobId, 'set.lastJobId')
    fields.lastJobId = set.lastJobId
  }
  if (set.owner !== undefined) {
    if (set.owner !== null) {
      throw new ValidationError('set.owner', 'may only be null (giving the schedule up)', set.owner)
    }
    fields.owner = null
  }
  return fields
}
