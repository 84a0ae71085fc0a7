import type { SelectJobsParams } from '@durabl/core'
import { commandComment } from '../command-comment.js'
import type { OperationContext } from '../operation-context.js'
import { assertDate } from '../validate.js'
import { restrictStates, toSelection } from './job-filter.js'

/** Deletes the selected jobs that are not active (a running job is never pulled from under its worker). */
export async function removeJobs(context: OperationContext, params: SelectJobsParams): Promise<number> {
  assertDate(params.now, 'now')
  const query = restrictStates(toSelection(params), ['pending', 'completed', 'failed', 'cancelled'])
  const result = await context.collection.deleteMany(query, { comment: commandComment('removeJobs') })
  return result.deletedCount
}
