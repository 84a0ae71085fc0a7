import { type JobState, ValidationError } from '@durabl/core'
import type { Document } from 'mongodb'
import { commandComment } from '../command-comment.js'
import type { OperationContext } from '../operation-context.js'
import { assertDate } from '../validate.js'

export interface PurgeJobsParams {
  /** Which finished states to delete. @defaultValue all three: completed, failed, cancelled */
  state?:
    | Extract<JobState, 'completed' | 'failed' | 'cancelled'>
    | Array<Extract<JobState, 'completed' | 'failed' | 'cancelled'>>
  /** Only jobs that finished before this time. */
  finishedBefore: Date
}

const FINISHED_STATES = ['completed', 'failed', 'cancelled'] as const

/**
 * Deletes finished jobs that finished before a time, for the CLI and for collections created
 * with `retention` off. One `deleteMany` over `durabl_finished`. Returns how many were deleted.
 */
export async function purgeJobs(context: OperationContext, params: PurgeJobsParams): Promise<number> {
  assertDate(params?.finishedBefore, 'finishedBefore')
  const states =
    params.state === undefined
      ? [...FINISHED_STATES]
      : Array.isArray(params.state)
        ? params.state
        : [params.state]
  states.forEach((state, index) => {
    if (!FINISHED_STATES.includes(state)) {
      throw new ValidationError(
        Array.isArray(params.state) ? `state[${index}]` : 'state',
        'must be a finished state: completed, failed or cancelled',
        state,
      )
    }
  })
  const query: Document = { state: { $in: states }, finishedAt: { $lt: params.finishedBefore } }
  const result = await context.collection.deleteMany(query, { comment: commandComment('purgeJobs') })
  return result.deletedCount
}
