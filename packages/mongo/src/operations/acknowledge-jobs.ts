import type { AcknowledgeJobsParams, AcknowledgeResult } from '@durabl/core'
import { commandComment } from '../command-comment.js'
import type { OperationContext } from '../operation-context.js'
import { assertDate } from '../validate.js'
import { applyEndingWrites, type EndingWrite } from './apply-ending-writes.js'
import { completeWrites } from './complete-jobs.js'
import { failWrites, splitFailResult } from './fail-jobs.js'
import { releaseWrites } from './release-jobs.js'

/**
 * Completes, fails and releases a mixed batch in ONE unordered bulkWrite (plus, only when a
 * matched count falls short, one read of `lastAckId`). Each write is the one its single-kind
 * operation would send, so the outcome is the same as three calls.
 */
export async function acknowledgeJobs(
  context: OperationContext,
  params: AcknowledgeJobsParams,
): Promise<AcknowledgeResult> {
  assertDate(params.now, 'now')
  const completes = completeWrites(context, params.complete, params.now, 'complete')
  const fails = failWrites(context, params.fail, params.now, 'fail')
  const releases = releaseWrites(context, params.release, params.now, 'release')
  const outcome = await applyEndingWrites(
    context,
    [...completes, ...fails, ...releases],
    commandComment('acknowledgeJobs'),
  )
  // Per write, not per id: each entry lands in exactly one list of its own kind.
  const split = (writes: EndingWrite[]) => ({
    applied: writes.filter((write) => outcome.appliedWrites.has(write)).map((write) => write.id),
    lost: writes.filter((write) => !outcome.appliedWrites.has(write)).map((write) => write.id),
  })
  const failed = split(fails)
  return {
    complete: split(completes),
    fail: splitFailResult(fails, failed.applied, failed.lost),
    release: split(releases),
  }
}
