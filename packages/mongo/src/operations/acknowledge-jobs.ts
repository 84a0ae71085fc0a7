import type { AcknowledgeJobsParams, AcknowledgeResult } from '@durabl/core'
import { commandComment } from '../command-comment.js'
import type { OperationContext } from '../operation-context.js'
import { assertDate } from '../validate.js'
import { applyEndingWrites, type EndingWrite } from './apply-ending-writes.js'
import { cancelRunningWrites } from './cancel-running-writes.js'
import { completeWrites } from './complete-jobs.js'
import { failWrites, splitFailResult } from './fail-jobs.js'
import { releaseWrites } from './release-jobs.js'

/**
 * Completes, fails, releases and cancels a mixed batch in ONE unordered bulkWrite (plus, only when
 * a matched count falls short, one read of `lastAckId`). Each write is the one its single-kind
 * operation would send, so the outcome is the same as separate calls.
 */
export async function acknowledgeJobs(
  context: OperationContext,
  params: AcknowledgeJobsParams,
): Promise<AcknowledgeResult> {
  assertDate(params.now, 'now')
  const completes = completeWrites(context, params.complete, params.now, 'complete')
  const fails = failWrites(context, params.fail, params.now, 'fail')
  const releases = releaseWrites(context, params.release, params.now, 'release')
  const cancels = cancelRunningWrites(context, params.cancel ?? [], params.now, 'cancel')
  const outcome = await applyEndingWrites(context, [...completes, ...fails, ...releases, ...cancels], {
    comment: commandComment('acknowledgeJobs'),
    now: params.now,
  })
  // Per write, not per id: each entry lands in exactly one list of its own kind. A write refused
  // for size failed its job instead (DOCUMENT_TOO_LARGE): a completion, release or cancel of it is
  // lost, a failure of it failed. A retry or release refused for a cancel request is reported so.
  const tooLarge = new Set(outcome.tooLarge)
  const cancelRequested = new Set(outcome.cancelRequested)
  const split = (writes: EndingWrite[]) => {
    const applied = writes.filter((write) => outcome.appliedWrites.has(write))
    const refused = writes.filter(
      (write) => !outcome.appliedWrites.has(write) && cancelRequested.has(write.id),
    )
    const rest = writes.filter((write) => !applied.includes(write) && !refused.includes(write))
    return {
      applied: applied.map((write) => write.id),
      lost: rest.filter((write) => !tooLarge.has(write.id)).map((write) => write.id),
      tooLarge: rest.filter((write) => tooLarge.has(write.id)).map((write) => write.id),
      cancelRequested: refused.map((write) => write.id),
    }
  }
  const lostOrTooLarge = (writes: EndingWrite[]) => {
    const { applied, lost, tooLarge: refused } = split(writes)
    return { applied, lost: [...lost, ...refused] }
  }
  const released = split(releases)
  return {
    complete: lostOrTooLarge(completes),
    fail: splitFailResult(fails, split(fails)),
    release: {
      applied: released.applied,
      lost: [...released.lost, ...released.tooLarge],
      cancelRequested: released.cancelRequested,
    },
    cancel: lostOrTooLarge(cancels),
  }
}
