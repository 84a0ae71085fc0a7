import type { TypeLimits } from '@durabl/core'
import type { Document, ObjectId } from 'mongodb'
import { commandComment } from '../command-comment.js'
import type { JobDocument, LimitSlots } from '../job-document.js'
import { newLeaseToken } from '../lease-token.js'
import type { OperationContext } from '../operation-context.js'

/** The parts shared by the batch claims (`claimJobs` and `claimLimitedJobs`). */

/**
 * Rounds one claim may take: a round refills slots that lost a race or hit a busy dedupe key.
 * Bounded so a claim never loops; the runtime claims again soon anyway.
 */
export const MAX_CLAIM_ROUNDS = 3

export interface TypeBudget {
  remaining: number
  leaseMs: number
  /** The type's fleet-wide limits, validated; null when it has none. */
  limits: TypeLimits | null
}

export function compareClaimOrder(left: JobDocument, right: JobDocument): number {
  if (left.priority !== right.priority) return left.priority - right.priority
  const byRunAt = left.runAt.getTime() - right.runAt.getTime()
  if (byRunAt !== 0) return byRunAt
  // Insertion order: ObjectIds compare by their bytes (Buffer.compare), as MongoDB sorts them.
  return Buffer.compare(left._id.id, right._id.id)
}

export function shuffle<T>(items: T[]): T[] {
  for (let index = items.length - 1; index > 0; index -= 1) {
    const other = Math.floor(Math.random() * (index + 1))
    const swap = items[index] as T
    items[index] = items[other] as T
    items[other] = swap
  }
  return items
}

/**
 * The claim's `$set` for one candidate: absolute values, valid because the write guards on `rev`.
 * A job of a limited type also takes its limit slots, and a rate-limited one starts at the instant
 * its limiter recorded (`limited`).
 */
export function claimedFields(
  candidate: JobDocument,
  budget: TypeBudget,
  workerId: string,
  now: Date,
  limited: { limitSlots?: LimitSlots; startedAt?: Date } = {},
): Document {
  const fields: Document = {
    state: 'active',
    attempts: candidate.attempts + 1,
    leaseToken: newLeaseToken(),
    leaseExpiresAt: new Date(now.getTime() + budget.leaseMs),
    workerId,
    startedAt: limited.startedAt ?? now,
    updatedAt: now,
    rev: candidate.rev + 1,
  }
  if (limited.limitSlots !== undefined && Object.keys(limited.limitSlots).length > 0)
    fields.limitSlots = limited.limitSlots
  // A 'pending'-scope job moves from the key's queued slot to its running slot; the unique index
  // refuses the write when another job with the key is running, and the claim skips this job.
  // 'pending+active' jobs already hold both slots.
  if (candidate.dedupeKey !== null && candidate.dedupeScope === 'pending') {
    fields['dedupe.pendingKey'] = null
    fields['dedupe.activeKey'] = candidate.dedupeKey
  }
  return fields
}

/**
 * The documents this claim won, found by the lease tokens it wrote (tokens are fresh, so a match
 * proves the win), built from their candidates plus the fields written.
 */
export async function readWon(
  context: OperationContext,
  attempted: Array<{ candidate: JobDocument; fields: Document }>,
): Promise<JobDocument[]> {
  const ids: ObjectId[] = attempted.map((entry) => entry.candidate._id)
  const tokens = attempted.map((entry) => entry.fields.leaseToken as string)
  const documents = await context.collection
    .find(
      { _id: { $in: ids }, state: 'active', leaseToken: { $in: tokens } },
      { projection: { _id: 1, leaseToken: 1 }, comment: commandComment('claimConfirm') },
    )
    .toArray()
  const byId = new Map(attempted.map((entry) => [entry.candidate._id.toHexString(), entry]))
  return documents.flatMap((document) => {
    const entry = byId.get(document._id.toHexString())
    if (!entry || document.leaseToken !== entry.fields.leaseToken) return []
    return [{ ...entry.candidate, ...expandDotted(entry.candidate, entry.fields) }]
  })
}

/** Applies `$set` fields (some dotted, under `dedupe.`) to a copy of the candidate. */
export function expandDotted(candidate: JobDocument, fields: Document): Partial<JobDocument> {
  const result: Document = {}
  for (const [path, value] of Object.entries(fields)) {
    const dot = path.indexOf('.')
    if (dot === -1) {
      result[path] = value
      continue
    }
    const head = path.slice(0, dot)
    const base = (result[head] as Document | undefined) ?? {
      ...((candidate as unknown as Document)[head] ?? {}),
    }
    base[path.slice(dot + 1)] = value
    result[head] = base
  }
  return result as Partial<JobDocument>
}
