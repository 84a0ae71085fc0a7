import type { Schedule } from '@durabl/core'
import { commandComment } from '../command-comment.js'
import { type ScheduleContext, toSchedule } from './schedule-document.js'

/**
 * Every schedule, sorted by id: one `find` walking the `_id` index. A fleet declares its schedules
 * in code, so the collection holds tens or hundreds of small documents, not millions.
 */
export async function listSchedules(context: ScheduleContext): Promise<Schedule[]> {
  const documents = await context.schedules
    .find({}, { sort: { _id: 1 }, comment: commandComment('listSchedules') })
    .toArray()
  return documents.map(toSchedule)
}
