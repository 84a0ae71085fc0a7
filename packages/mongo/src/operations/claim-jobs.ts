import { type ClaimJobsParams, hasAnyLimit, type Job, resolveTypeLimits, ValidationError } from '@durabl/core'
import type { AnyBulkWriteOperation, Collection, Document } from 'mongodb'
import { commandComment } from '../command-comment.js'
import { type JobDocument, toJob } from '../job-document.js'
import type { OperationContext } from '../operation-context.js'
import {
  assertDate,
  assertNonEmptyString,
  assertNonNegativeInteger,
  assertPositiveFinite,
} from '../validate.js'
import {
  claimedFields,
  compareClaimOrder,
  expandDotted,
  MAX_CLAIM_ROUNDS,
  readWon,
  shuffle,
  type TypeBudget,
} from './claim-batch.js'
import type { ClaimContention } from './claim-contention.js'
import { claimLimitedJobs } from './claim-limited-jobs.js'
import { claimOneJob } from './claim-one-job.js'
import { claimQuery } from './claim-query.js'
import type { LimiterDocument } from './reserve-starts.js'
import { runBulkWrite } from './run-bulk-write.js'

/**
 * Claims due pending jobs: one indexed read of candidates, then one unordered bulkWrite of
 * updateOnes, each guarded by `{ _id, state: 'pending', rev }` and carrying its own fresh lease
 * token. When every guarded write matched (the usual case), the claimed jobs are built from the
 * candidates plus the fields written: 2 commands per batch, whatever its size. A shortfall means
 * another process won some documents; one read by token settles which, and the next round draws
 * replacements. See docs/decisions/0003-claiming.md.
 *
 * A claim that can take one job only is one findOneAndUpdate instead (`claimOneJob`, decision 0006).
 * A claim with a limited type open goes through `claimLimitedJobs` (see docs/limits.md).
 */
export async function claimJobs(
  context: OperationContext,
  contention: ClaimContention,
  limiters: Collection<LimiterDocument>,
  params: ClaimJobsParams,
): Promise<Job[]> {
  assertDate(params.now, 'now')
  assertNonEmptyString(params.workerId, 'workerId')
  assertNonNegativeInteger(params.limit, 'limit')
  if (!Array.isArray(params.types)) throw new ValidationError('types', 'must be an array', params.types)
  const now = params.now
  const budgets = new Map<string, TypeBudget>()
  params.types.forEach((entry, index) => {
    assertNonEmptyString(entry.type, `types[${index}].type`)
    assertNonNegativeInteger(entry.limit, `types[${index}].limit`)
    assertPositiveFinite(entry.leaseMs, `types[${index}].leaseMs`)
    const limits = entry.limits == null ? null : resolveTypeLimits(entry.limits, `types[${index}].limits`)
    const existing = budgets.get(entry.type)
    if (existing) existing.remaining += entry.limit
    else
      budgets.set(entry.type, {
        remaining: entry.limit,
        leaseMs: entry.leaseMs,
        limits: hasAnyLimit(limits) ? limits : null,
      })
  })
  // A limited type open in this claim takes the limited path (slot read, rate reservations);
  // a claim of unlimited types only is exactly the claim below, at its cost.
  if ([...budgets.values()].some((budget) => budget.remaining > 0 && budget.limits !== null))
    return claimLimitedJobs(context, contention, limiters, budgets, params)

  // A claim that can take one job only (one free slot) is one findOneAndUpdate, not a read and a
  // write: concurrency 1 costs two commands per job with the acknowledgement. A head blocked by a
  // running dedupe key falls through to the batch path, which skips it.
  const open = [...budgets].filter(([, budget]) => budget.remaining > 0)
  const openTotal = open.reduce((sum, [, budget]) => sum + budget.remaining, 0)
  if (Math.min(params.limit, openTotal) === 1) {
    const single = await claimOneJob(
      context,
      open.map(([type, budget]) => ({ type, leaseMs: budget.leaseMs })),
      params.workerId,
      now,
    )
    if (single === null) return []
    if (single !== 'blocked') return [toJob(single)]
  }

  let overall = params.limit
  const claimed: JobDocument[] = []
  // Documents this claim should not try again: won by others, or blocked by a running key.
  const passed = new Set<string>()

  for (let round = 0; round < MAX_CLAIM_ROUNDS; round += 1) {
    const openTypes = [...budgets].filter(([, budget]) => budget.remaining > 0).map(([type]) => type)
    const openTotal = openTypes.reduce((sum, type) => sum + (budgets.get(type)?.remaining ?? 0), 0)
    const want = Math.min(overall, openTotal)
    if (want <= 0) break

    const spread = contention.spread()
    const windowSize = want * spread + passed.size
    const { filter, sort } = claimQuery(openTypes, now)
    // Under contention the window is `spread` batches wide and read in full, so a claim that wins
    // every write still needs no further read (measured in docs/decisions/0003-claiming.md).
    // One batch: the server's default first batch (101) would cost a getMore on wide windows.
    const window = await context.collection
      .find(filter, { sort, limit: windowSize, batchSize: windowSize, comment: commandComment('claimJobs') })
      .toArray()
    const fresh = window.filter((document) => !passed.has(document._id.toHexString()))
    if (fresh.length === 0) break

    // Alone, take the head in order. Under contention, draw the batch at random from the window,
    // so concurrent claimers mostly pick different documents.
    const ordered = spread > 1 ? shuffle(fresh) : fresh
    const chosen: Array<{ candidate: JobDocument; fields: Document; budget: TypeBudget }> = []
    const taken = new Map<string, number>()
    for (const candidate of ordered) {
      if (chosen.length >= want) break
      const budget = budgets.get(candidate.type)
      if (!budget) continue
      const used = taken.get(candidate.type) ?? 0
      if (used >= budget.remaining) continue
      taken.set(candidate.type, used + 1)
      chosen.push({ candidate, fields: claimedFields(candidate, budget, params.workerId, now), budget })
    }
    if (chosen.length === 0) break

    const operations: AnyBulkWriteOperation<JobDocument>[] = chosen.map(({ candidate, fields }) => ({
      updateOne: {
        filter: { _id: candidate._id, state: 'pending', rev: candidate.rev },
        update: { $set: fields },
      },
    }))
    const outcome = await runBulkWrite(context.collection, operations, {
      comment: commandComment('claimJobs'),
    })
    const attempted = chosen.filter((_, index) => !outcome.duplicates.has(index))
    const won = new Map<string, JobDocument>()
    if (outcome.matchedCount === attempted.length) {
      // Every guarded write matched: the claimed jobs are the candidates plus the fields written.
      for (const entry of attempted) {
        won.set(entry.candidate._id.toHexString(), {
          ...entry.candidate,
          ...expandDotted(entry.candidate, entry.fields),
        })
      }
    } else if (outcome.matchedCount > 0) {
      for (const document of await readWon(context, attempted)) won.set(document._id.toHexString(), document)
    }
    contention.record(attempted.length - won.size, attempted.length)

    for (const entry of chosen) {
      const id = entry.candidate._id.toHexString()
      const document = won.get(id)
      if (document === undefined) {
        passed.add(id)
        continue
      }
      entry.budget.remaining -= 1
      overall -= 1
      claimed.push(document)
    }

    // Nothing refused and the window held every due job of the open types: there is no more work.
    // Otherwise another round refills refused slots, or looks past types that reached their limit.
    const refused = chosen.length - won.size
    if (refused === 0 && window.length < windowSize) break
  }

  return claimed.sort(compareClaimOrder).map(toJob)
}
