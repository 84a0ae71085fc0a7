import type { RateLimit } from '@durabl/core'
import type { Collection } from 'mongodb'
import type { JobDocument, LimitSlots } from '../job-document.js'
import type { TypeBudget } from './claim-batch.js'
import {
  keyLimiterId,
  type LimiterDocument,
  type Reservation,
  reserveStarts,
  typeLimiterId,
} from './reserve-starts.js'

/** A candidate a claim chose, with the limit slots it took for it. */
export interface ChosenJob {
  candidate: JobDocument
  budget: TypeBudget
  slots: LimitSlots
}

/** A chosen job its rate limits let start, at `startedAt` (absent: the claim's `now`). */
export interface StartingJob extends ChosenJob {
  startedAt?: Date
}

/** The types and keys whose rate limit a claim used up: the rest of the claim skips them. */
export class RateDenials {
  readonly #types = new Set<string>()
  readonly #keys = new Map<string, Set<string>>()

  denyType(type: string): void {
    this.#types.add(type)
  }

  denyKey(type: string, key: string): void {
    const keys = this.#keys.get(type) ?? new Set()
    keys.add(key)
    this.#keys.set(type, keys)
  }

  typeDenied(type: string): boolean {
    return this.#types.has(type)
  }

  keysOf(type: string): string[] {
    return [...(this.#keys.get(type) ?? [])]
  }
}

export interface RateOutcome {
  /** The chosen jobs that may start, in the order chosen. */
  starting: StartingJob[]
  /** Chosen jobs a rate limit held back: the caller gives back their slots. */
  dropped: ChosenJob[]
  /** Candidates to move to the instant their limit allows a start (`runAt`), by id. */
  moves: Map<string, { candidate: JobDocument; runAt: Date }>
}

/**
 * Reserves starts for the chosen jobs on their rate limits, then keeps only what was granted.
 * Commands (see `reserveStarts`): the types' limiters, then the keys' limiters of the survivors;
 * each step is one findOneAndUpdate for one limiter, or one bulkWrite and one read for several.
 *
 * A type's limiter goes first and its instant becomes every start's instant: a key's limiter of
 * that type then records at that same instant or grants nothing, so `startedAt` is exact for both
 * windows. When a limit is used up, every candidate of the window it covers is moved to the
 * instant the limit allows a start (the next-due read then arms the fetcher's timer for it);
 * their attempts are untouched.
 */
export async function applyRateLimits(
  limiters: Collection<LimiterDocument>,
  chosen: ChosenJob[],
  window: JobDocument[],
  denials: RateDenials,
  now: Date,
): Promise<RateOutcome> {
  const moves: RateOutcome['moves'] = new Map()
  const dropped: ChosenJob[] = []
  const starting = new Map<ChosenJob, StartingJob>(chosen.map((job) => [job, { ...job }]))
  const moveAll = (matches: (candidate: JobDocument) => boolean, runAt: Date) => {
    for (const candidate of window) {
      if (!matches(candidate)) continue
      const id = candidate._id.toHexString()
      if ([...starting.keys()].some((job) => job.candidate === candidate)) continue
      const earlier = moves.get(id)
      if (earlier === undefined || earlier.runAt < runAt) moves.set(id, { candidate, runAt })
    }
  }
  const keep = (group: ChosenJob[], reservation: Reservation, at?: Date) => {
    group.forEach((job, index) => {
      if (index < reservation.granted) {
        const entry = starting.get(job)
        if (entry && at !== undefined) entry.startedAt = at
        return
      }
      starting.delete(job)
      dropped.push(job)
    })
  }

  const typeAt = new Map<string, Date>()
  const byType = [
    ...groupBy(
      chosen.filter((job) => job.budget.limits?.rateLimit !== undefined),
      (job) => job.candidate.type,
    ),
  ]
  const typeReservations = await reserveStarts(
    limiters,
    byType.map(([type, group]) => ({
      id: typeLimiterId(type),
      rate: group[0]?.budget.limits?.rateLimit as RateLimit,
      requested: group.length,
      at: now,
      shiftToNewest: true,
    })),
  )
  byType.forEach(([type, group], index) => {
    const reservation = typeReservations[index] as Reservation
    typeAt.set(type, reservation.at)
    keep(group, reservation, reservation.at)
    if (reservation.nextAllowedAt !== null) {
      denials.denyType(type)
      moveAll((candidate) => candidate.type === type, reservation.nextAllowedAt)
    }
  })

  const byKey = [
    ...groupBy(
      [...starting.keys()].filter(
        (job) =>
          job.budget.limits?.perKey?.rateLimit !== undefined && typeof job.candidate.limitKey === 'string',
      ),
      (job) => JSON.stringify([job.candidate.type, job.candidate.limitKey]),
    ).values(),
  ]
  const keyReservations = await reserveStarts(
    limiters,
    byKey.map((group) => {
      const first = group[0] as ChosenJob
      const typeInstant = typeAt.get(first.candidate.type)
      return {
        id: keyLimiterId(first.candidate.type, first.candidate.limitKey as string),
        rate: first.budget.limits?.perKey?.rateLimit as RateLimit,
        requested: group.length,
        at: typeInstant ?? now,
        shiftToNewest: typeInstant === undefined,
      }
    }),
  )
  byKey.forEach((group, index) => {
    const reservation = keyReservations[index] as Reservation
    const { type, limitKey: key } = (group[0] as ChosenJob).candidate
    keep(group, reservation, typeAt.get(type) ?? reservation.at)
    if (reservation.nextAllowedAt !== null) {
      denials.denyKey(type, key as string)
      moveAll((candidate) => candidate.type === type && candidate.limitKey === key, reservation.nextAllowedAt)
    }
  })
  return { starting: [...starting.values()], dropped, moves }
}

function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const key = keyOf(item)
    const group = groups.get(key)
    if (group) group.push(item)
    else groups.set(key, [item])
  }
  return groups
}
