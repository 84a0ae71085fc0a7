import { type FailJobsParams, type FailResult, ValidationError } from '@durabl/core'
import type { Document } from 'mongodb'
import type { OperationContext } from '../operation-context.js'
import { cappedError } from '../size-caps.js'
import { assertDate, parseLeaseRef } from '../validate.js'
import { applyEndingWrites, type EndingWrite, newAckId } from './apply-ending-writes.js'
import { jobUpdatesModifier, updateDocument } from './job-updates.js'
import { retentionDeadline } from './retention.js'

/**
 * Records failed attempts. Whether a job is retried depends on its stored `attempts` and
 * `maxAttempts`, which the contract does not pass, so non-fatal failures cost one read of the
 * batch (projected to a few fields) before the single bulkWrite; fatal ones need no read. Each write
 * is guarded by the lease token, so the read cannot make a stale worker's failure count.
 *
 * Retried jobs go back to `pending` due at `retryAt`; the rest become `failed`, with their dedupe
 * slots released and their TTL deadline set. Errors are kept with `$push` + `$slice` to the newest
 * `maxErrorHistory`.
 */
export async function failJobs(context: OperationContext, params: FailJobsParams): Promise<FailResult> {
  assertDate(params.now, 'now')
  const now = params.now
  const parsed = params.jobs.map((job, index) => {
    const field = `jobs[${index}]`
    const ref = parseLeaseRef(job, field)
    assertDate(job.retryAt, `${field}.retryAt`)
    if (typeof job.error !== 'object' || job.error === null) {
      throw new ValidationError(`${field}.error`, 'must be a JobError object', job.error)
    }
    return { job: { ...job, error: cappedError(job.error) }, field, ref }
  })
  if (parsed.length === 0) return { retried: [], failed: [], lost: [] }

  const needsRead = parsed.filter((entry) => !entry.job.fatal)
  const stored = new Map<
    string,
    { attempts: number; maxAttempts: number; leaseToken: string | null; scope: unknown; key: string | null }
  >()
  if (needsRead.length > 0) {
    const documents = await context.collection
      .find(
        { _id: { $in: needsRead.map((entry) => entry.ref._id) } },
        {
          projection: { attempts: 1, maxAttempts: 1, leaseToken: 1, state: 1, dedupeScope: 1, dedupeKey: 1 },
        },
      )
      .toArray()
    for (const document of documents) {
      stored.set(document._id.toHexString(), {
        attempts: document.attempts,
        maxAttempts: document.maxAttempts,
        leaseToken: document.state === 'active' ? document.leaseToken : null,
        scope: document.dedupeScope,
        key: document.dedupeKey ?? null,
      })
    }
  }

  const failedExpiresAt = retentionDeadline(now, context.options.retention.failedMs)
  const outcomeOf = new Map<string, 'retried' | 'failed'>()
  const lostEarly: string[] = []
  const writes: EndingWrite[] = []
  for (const { job, field, ref } of parsed) {
    const seen = stored.get(ref._id.toHexString())
    if (!job.fatal && (seen === undefined || seen.leaseToken !== ref.leaseToken)) {
      lostEarly.push(job.id)
      continue
    }
    const retry = !job.fatal && seen !== undefined && seen.attempts < seen.maxAttempts
    outcomeOf.set(job.id, retry ? 'retried' : 'failed')
    const { set, push } = jobUpdatesModifier(job, context.options.maxLogEntries, field)
    const ackId = newAckId()
    const common: Document = {
      ...set,
      lastError: job.error,
      updatedAt: now,
      leaseToken: null,
      leaseExpiresAt: null,
      workerId: null,
      lastAckId: ackId,
    }
    const errors = { errors: { $each: [job.error], $slice: -context.options.maxErrorHistory } }
    const filter = { _id: ref._id, state: 'active' as const, leaseToken: ref.leaseToken }
    const failUpdate = updateDocument({
      set: {
        ...common,
        state: 'failed',
        finishedAt: now,
        ...(failedExpiresAt ? { expiresAt: failedExpiresAt } : {}),
      },
      push: { ...push, ...errors },
      inc: { rev: 1 },
      unset: { dedupe: '' },
    })
    const retryUpdate = (dedupe: Document) =>
      updateDocument({
        set: { ...common, ...dedupe, state: 'pending', runAt: job.retryAt },
        push: { ...push, ...errors },
        inc: { rev: 1 },
      })
    // A 'pending'-scope job gives up its running slot and takes its queued slot back when free; if a
    // job was queued behind it meanwhile, the index refuses and the fallback leaves it slotless
    // (see reclaim-queued-slots.ts). A 'pending+active' job keeps both slots.
    const key = retry && seen?.scope === 'pending' && typeof seen.key === 'string' ? seen.key : null
    const update = !retry
      ? failUpdate
      : key !== null
        ? retryUpdate({ 'dedupe.activeKey': null, 'dedupe.pendingKey': key })
        : retryUpdate({})
    writes.push({
      id: job.id,
      ref,
      ackId,
      operations: [{ updateOne: { filter, update } }],
      ...(key !== null
        ? { onDuplicate: [{ updateOne: { filter, update: retryUpdate({ 'dedupe.activeKey': null }) } }] }
        : {}),
    })
  }

  const acknowledged = await applyEndingWrites(context, writes, now)
  // A failure refused for size failed the job for good anyway (with a DOCUMENT_TOO_LARGE error).
  const result: FailResult = {
    retried: [],
    failed: [...acknowledged.tooLarge],
    lost: [...lostEarly, ...acknowledged.lost],
  }
  for (const id of acknowledged.applied) {
    if (outcomeOf.get(id) === 'retried') result.retried.push(id)
    else result.failed.push(id)
  }
  return result
}
