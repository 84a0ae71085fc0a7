import { type ClaimJobsParams, hasConcurrencyLimit, type Job, type TypeLimits } from '@durabl/core'
import type { AnyBulkWriteOperation, Collection, Document } from 'mongodb'
import { commandComment } from '../command-comment.js'
import { type JobDocument, toJob } from '../job-document.js'
import type { OperationContext } from '../operation-context.js'
import { applyRateLimits, type ChosenJob, RateDenials, type StartingJob } from './apply-rate-limits.js'
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
import { claimQuery } from './claim-query.js'
import { readSlotBook } from './limit-slot-book.js'
import type { LimiterDocument } from './reserve-starts.js'
import { runBulkWrite } from './run-bulk-write.js'

/**
 * A claim in which at least one type has fleet-wide limits (see docs/limits.md). The batch claim
 * of `claimJobs`, plus:
 *
 * 1. with a concurrency limit among the types, ONE read of the active jobs of those types before
 *    the rounds (`readSlotBook`): which slots are taken, which keys are full;
 * 2. the candidate read leaves out types and keys at their limit;
 * 3. each chosen job takes the lowest free slots of its type and key, written with the claim under
 *    the unique indexes, so a claim racing for the same slot gets E11000 and skips the job;
 * 4. with a rate limit among the chosen jobs, the reservations of `applyRateLimits` (one command
 *    per rate-limited type, then one per rate-limited key, each group sent together);
 * 5. the claim's bulkWrite also moves the `runAt` of candidates a used-up rate limit holds back
 *    (no extra command).
 *
 * So a round costs the claim's 2 commands, plus the slot read once per claim, plus the
 * reservations. Types without limits in the same claim are claimed as usual within it.
 */
export async function claimLimitedJobs(
  context: OperationContext,
  contention: ClaimContention,
  limiters: Collection<LimiterDocument>,
  budgets: Map<string, TypeBudget>,
  params: ClaimJobsParams,
): Promise<Job[]> {
  const { now, workerId } = params
  const concurrencyLimits = new Map<string, TypeLimits>()
  for (const [type, budget] of budgets)
    if (budget.remaining > 0 && hasConcurrencyLimit(budget.limits))
      concurrencyLimits.set(type, budget.limits as TypeLimits)
  const book = await readSlotBook(context, concurrencyLimits)
  const denials = new RateDenials()
  let overall = params.limit
  const claimed: JobDocument[] = []
  // Documents this claim should not try again: won by others, refused by an index, or moved.
  const passed = new Set<string>()

  for (let round = 0; round < MAX_CLAIM_ROUNDS; round += 1) {
    const caps = new Map<string, number>()
    for (const [type, budget] of budgets) {
      const cap = denials.typeDenied(type) ? 0 : Math.min(budget.remaining, book.freeOfType(type))
      if (cap > 0) caps.set(type, cap)
    }
    const openTypes = [...caps.keys()]
    const want = Math.min(
      overall,
      [...caps.values()].reduce((sum, cap) => sum + cap, 0),
    )
    if (want <= 0) break

    const spread = contention.spread()
    const windowSize = want * spread + passed.size
    const excluded = new Map(
      openTypes.map((type) => [type, [...book.fullKeys(type), ...denials.keysOf(type)]]),
    )
    const { filter, sort } = claimQuery(openTypes, now, excluded)
    const window = await context.collection
      .find(filter, { sort, limit: windowSize, batchSize: windowSize, comment: commandComment('claimJobs') })
      .toArray()
    const fresh = window.filter((document) => !passed.has(document._id.toHexString()))
    if (fresh.length === 0) break

    const chosen: ChosenJob[] = []
    const taken = new Map<string, number>()
    const takenPerKey = new Map<string, number>()
    for (const candidate of spread > 1 ? shuffle([...fresh]) : fresh) {
      if (chosen.length >= want) break
      const budget = budgets.get(candidate.type)
      const used = taken.get(candidate.type) ?? 0
      if (!budget || used >= (caps.get(candidate.type) ?? 0)) continue
      // No more than a rate limit's `max` is asked of it in one batch: the rest could not start.
      if (used >= (budget.limits?.rateLimit?.max ?? Number.POSITIVE_INFINITY)) continue
      const keyRateMax =
        typeof candidate.limitKey === 'string' ? budget.limits?.perKey?.rateLimit?.max : undefined
      const keyId = JSON.stringify([candidate.type, candidate.limitKey])
      const usedOfKey = takenPerKey.get(keyId) ?? 0
      if (keyRateMax !== undefined && usedOfKey >= keyRateMax) continue
      // Null when its key reached its limit within this batch: the next round reads past the key.
      const slots = book.take(candidate)
      if (slots === null) continue
      taken.set(candidate.type, used + 1)
      takenPerKey.set(keyId, usedOfKey + 1)
      chosen.push({ candidate, budget, slots })
    }

    const rated = await applyRateLimits(limiters, chosen, fresh, denials, now)
    for (const job of rated.dropped) book.giveBack(job.candidate, job.slots)
    const starting = rated.starting.map((job) => ({
      ...job,
      fields: claimedFields(job.candidate, job.budget, workerId, now, {
        limitSlots: job.slots,
        ...(job.startedAt ? { startedAt: job.startedAt } : {}),
      }),
    }))
    const moves = [...rated.moves.values()]
    for (const { candidate } of moves) passed.add(candidate._id.toHexString())
    if (starting.length === 0 && moves.length === 0) {
      if (window.length < windowSize) break
      continue
    }

    const operations: AnyBulkWriteOperation<JobDocument>[] = [
      ...starting.map(({ candidate, fields }) => ({
        updateOne: {
          filter: { _id: candidate._id, state: 'pending' as const, rev: candidate.rev },
          update: { $set: fields },
        },
      })),
      // Held back by a rate limit: due again when the limit allows, attempts untouched.
      ...moves.map(({ candidate, runAt }) => ({
        updateOne: {
          filter: { _id: candidate._id, state: 'pending' as const, rev: candidate.rev },
          update: { $set: { runAt, updatedAt: now }, $inc: { rev: 1 } },
        },
      })),
    ]
    const outcome = await runBulkWrite(context.collection, operations, {
      comment: commandComment('claimJobs'),
    })
    // A unique index refused the write: a limit slot (or a running dedupe key) is held by a job
    // another claim started meanwhile. Its slots stay marked taken in the book.
    const attempted = starting.filter((_, index) => !outcome.duplicates.has(index))
    const won = await wonDocuments(context, attempted, outcome.matchedCount, attempted.length + moves.length)
    if (attempted.length > 0) contention.record(attempted.length - won.size, attempted.length)

    for (const entry of starting) {
      const id = entry.candidate._id.toHexString()
      const document = won.get(id)
      if (document === undefined) {
        passed.add(id)
        if (attempted.includes(entry)) book.giveBack(entry.candidate, entry.slots)
        continue
      }
      entry.budget.remaining -= 1
      overall -= 1
      claimed.push(document)
    }
    const refused = starting.filter((entry) => !won.has(entry.candidate._id.toHexString()))
    if (refused.length === 0 && window.length < windowSize) break
    // Races lost to other claims after some were won, by types with a concurrency limit: the
    // runtime claims again as soon as one of their jobs is acknowledged (it waits for slots), so
    // this claim need not refill at the cost of another round.
    if (
      refused.length > 0 &&
      won.size > 0 &&
      refused.every((entry) => hasConcurrencyLimit(entry.budget.limits))
    )
      break
  }

  return claimed.sort(compareClaimOrder).map(toJob)
}

/**
 * The documents this round won. When every write of the bulk matched (claims and moves), all the
 * claims won; otherwise one read by lease token settles which (a lost move alone also costs it).
 */
async function wonDocuments(
  context: OperationContext,
  attempted: Array<StartingJob & { fields: Document }>,
  matchedCount: number,
  sentCount: number,
): Promise<Map<string, JobDocument>> {
  const won = new Map<string, JobDocument>()
  if (matchedCount === sentCount) {
    for (const entry of attempted)
      won.set(entry.candidate._id.toHexString(), {
        ...entry.candidate,
        ...expandDotted(entry.candidate, entry.fields),
      })
  } else if (matchedCount > 0 && attempted.length > 0) {
    for (const document of await readWon(context, attempted)) won.set(document._id.toHexString(), document)
  }
  return won
}
