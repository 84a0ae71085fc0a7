import type { ReleaseJob, ReleaseJobsParams, ReleaseResult } from '@durabl/core'
import type { Document } from 'mongodb'
import { commandComment } from '../command-comment.js'
import type { OperationContext } from '../operation-context.js'
import { assertArray, assertDate, parseDedupeRef, parseLeaseRef } from '../validate.js'
import { applyEndingWrites, type EndingWrite, NO_CANCEL_REQUEST, newAckId } from './apply-ending-writes.js'
import { dedupeGuard, returnToPendingSlots } from './ending-dedupe.js'
import { jobUpdatesModifier, updateDocument } from './job-updates.js'
import { FREE_LIMIT_SLOTS } from './limit-slots.js'

/**
 * Gives jobs back (at shutdown, or snoozed): pending, due at the entry's `runAt` or else `now`, the
 * attempt not counted. The runtime names
 * each job's dedupe key and scope, so one guarded write per job moves its slots: a `'pending'`-scope
 * job frees its key's running slot and takes the queued slot back when free (else it stays
 * slotless, see reclaim-queued-slots.ts); a `'pending+active'` job keeps both. One round trip.
 */
export async function releaseJobs(
  context: OperationContext,
  params: ReleaseJobsParams,
): Promise<ReleaseResult> {
  assertDate(params.now, 'now')
  const writes = releaseWrites(context, params.jobs, params.now, 'jobs')
  const ended = await applyEndingWrites(context, writes, {
    comment: commandComment('releaseJobs'),
    now: params.now,
  })
  // A release refused for size failed the job instead (DOCUMENT_TOO_LARGE): it was not released.
  return {
    applied: ended.applied,
    lost: [...ended.lost, ...ended.tooLarge],
    cancelRequested: ended.cancelRequested,
  }
}

/** One lease-guarded write per release; `acknowledgeJobs` sends them with other kinds. */
export function releaseWrites(
  context: OperationContext,
  jobs: ReleaseJob[],
  now: Date,
  field: string,
): EndingWrite[] {
  assertArray(jobs, field)
  return jobs.map((job, index) => {
    const path = `${field}[${index}]`
    const ref = parseLeaseRef(job, path)
    const dedupe = parseDedupeRef(job, path)
    if (job.runAt !== undefined) assertDate(job.runAt, `${path}.runAt`)
    const { set, push } = jobUpdatesModifier(job, context.options.maxLogEntries, path)
    const ackId = newAckId()
    const common: Document = {
      ...set,
      state: 'pending',
      runAt: job.runAt ?? now,
      updatedAt: now,
      leaseToken: null,
      leaseExpiresAt: null,
      workerId: null,
      lastAckId: ackId,
    }
    // A job whose cancel was requested is not released: the runtime cancels it instead.
    const filter = {
      _id: ref._id,
      state: 'active' as const,
      leaseToken: ref.leaseToken,
      ...dedupeGuard(dedupe),
      ...NO_CANCEL_REQUEST,
    }
    const update = (slots: Document) =>
      updateDocument({
        set: { ...common, ...slots },
        push,
        inc: { attempts: -1, rev: 1 },
        unset: FREE_LIMIT_SLOTS,
      })
    const slots = returnToPendingSlots(dedupe)
    return {
      id: job.id,
      ref,
      ackId,
      refusedOnCancelRequest: true,
      operations: [{ updateOne: { filter, update: update(slots.preferred) } }],
      ...(slots.fallback !== null
        ? { onDuplicate: [{ updateOne: { filter, update: update(slots.fallback) } }] }
        : {}),
    }
  })
}
