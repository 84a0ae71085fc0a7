import type { Schedule } from '@durabl/core'
import { commandComment } from '../command-comment.js'
import { type ScheduleContext, toSchedule } from './schedule-document.js'
import { assertObject, assertScheduleId } from './validate-schedule.js'

/** One schedule by id, or null. One `find` on `_id`. */
export async function getSchedule(
  context: ScheduleContext,
  params: { id: string },
): Promise<Schedule | null> {
  assertObject(params, 'params')
  assertScheduleId(params.id)
  const document = await context.schedules.findOne(
    { _id: params.id },
    { comment: commandComment('getSchedule') },
  )
  return document === null ? null : toSchedule(document)
}
