import { type ListJobsParams, type ListJobsResult, ValidationError } from '@durabl/core'
import { commandComment } from '../command-comment.js'
import { toJob } from '../job-document.js'
import type { OperationContext } from '../operation-context.js'
import { parseJobId } from '../validate.js'
import { toMongoFilter } from './job-filter.js'

/** The largest page `listJobs` returns. */
export const MAX_LIST_LIMIT = 1_000

/**
 * Jobs newest first (`_id` descending: ObjectIds grow with insertion), paged by keyset: the cursor
 * is the last id of the previous page, so paging stays cheap and stable while jobs are added.
 * Reads one extra document to know whether another page exists.
 */
export async function listJobs(context: OperationContext, params: ListJobsParams): Promise<ListJobsResult> {
  const limit = params.limit
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new ValidationError('limit', `must be an integer from 1 to ${MAX_LIST_LIMIT}`, limit)
  }
  const query = toMongoFilter(params.filter)
  if (params.cursor !== undefined && params.cursor !== null)
    query._id = { $lt: parseJobId(params.cursor, 'cursor') }
  const documents = await context.collection
    .find(query, { sort: { _id: -1 }, limit: limit + 1, comment: commandComment('listJobs') })
    .toArray()
  const page = documents.slice(0, limit)
  const last = page[page.length - 1]
  return {
    jobs: page.map(toJob),
    nextCursor: documents.length > limit && last ? last._id.toHexString() : null,
  }
}
