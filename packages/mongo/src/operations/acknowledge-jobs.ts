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
  const outcome = await applyEndingWrites(context, [...completes, ...fails, ...releases], {
    comment: commandComment('acknowledgeJobs'),
    now: params.now,
  })
  // Per write, not per id: each entry lands in exactly one list of its own kind. A write refused
  // for size failed its job instead (DOCUMENT_TOO_LARGE): a completion or release of it is lost,
  // a failure of it failed.
  const tooLarge = new Set(outcome.tooLarge)
  const split = (writes: EndingWrite[]) => ({
    applied: writes.filter((write) => outcome.appliedWrites.has(write)).map((write) => write.id),
    lost: writes
      .filter((write) => !outcome.appliedWrites.has(write) && !tooLarge.has(write.id))
      .map((write) => write.id),
    tooLarge: writes.filter((write) => tooLarge.has(write.id)).map((write) => write.id),
  })
  const lostOrTooLarge = (writes: EndingWrite[]) => {
    const { applied, lost, tooLarge: refused } = split(writes)
    return { applied, lost: [...lost, ...refused] }
  }
  const failed = split(fails)
  return {
    complete: lostOrTooLarge(completes),
    fail: splitFailResult(fails, failed.applied, failed.lost, failed.tooLarge),
    release: lostOrTooLarge(releases),
  }
}
