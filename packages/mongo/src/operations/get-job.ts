import type { Job } from '@durabl/core'
import { commandComment } from '../command-comment.js'
import { toJob } from '../job-document.js'
import type { OperationContext } from '../operation-context.js'
import { parseJobId } from '../validate.js'

/** One job by id, or null. */
export async function getJob(context: OperationContext, params: { id: string }): Promise<Job | null> {
  const _id = parseJobId(params?.id)
  const document = await context.collection.findOne({ _id }, { comment: commandComment('getJob') })
  return document === null ? null : toJob(document)
}
