import { commandComment } from '../command-comment.js'
import type { ScheduleContext } from './schedule-document.js'
import { assertObject, assertScheduleId } from './validate-schedule.js'

/** Deletes the schedule; the jobs it enqueued stay. True when it existed. One `delete`. */
export async function removeSchedule(context: ScheduleContext, params: { id: string }): Promise<boolean> {
  assertObject(params, 'params')
  assertScheduleId(params.id)
  const result = await context.schedules.deleteOne(
    { _id: params.id },
    { comment: commandComment('removeSchedule') },
  )
  return result.deletedCount === 1
}
