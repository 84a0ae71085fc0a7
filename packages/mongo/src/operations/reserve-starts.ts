import { randomUUID } from 'node:crypto'
import type { RateLimit } from '@durabl/core'
import { type AnyBulkWriteOperation, type Collection, type Document, MongoServerError } from 'mongodb'
import { commandComment } from '../command-comment.js'
import { DUPLICATE_KEY, runBulkWrite } from './run-bulk-write.js'

/**
 * One rate limit's sliding log, in the limiters collection: the starts of its current window,
 * oldest first, each a reservation's instant and how many starts it took. Starts older than the
 * window are dropped by the next reservation; a limiter whose window is empty is deleted by the
 * TTL index on `expiresAt`.
 */
export interface LimiterDocument {
  /** `["<type>"]` for a type's limit, `["<type>","<limitKey>"]` for one key's. */
  _id: string
  starts: Array<{ at: Date; n: number }>
  /** When the newest start leaves the window: the limiter holds nothing after it. */
  expiresAt: Date
  /**
   * The answers of the latest reservations (at most `RECENT_ANSWERS`), each under the token of
   * the claim that made it, which reads its own back.
   */
  recent: ReservationAnswer[]
}

interface ReservationAnswer {
  token: string
  granted: number
  at: Date
  stale: boolean
}

/** Answers a limiter keeps: a claim whose answer was pushed out by this many others counts 0 granted. */
const RECENT_ANSWERS = 32

export function typeLimiterId(type: string): string {
  return JSON.stringify([type])
}

export function keyLimiterId(type: string, key: string): string {
  return JSON.stringify([type, key])
}

export interface ReserveStartsParams {
  id: string
  rate: RateLimit
  /** How many starts the claim would like. */
  requested: number
  /** The instant to record them at: the claim's `now`, or the type limiter's instant for a key. */
  at: Date
  /**
   * When the log already holds a later start (a claim with a later `now` reserved first): true
   * records at that later instant instead (a limiter's times never go back); false grants nothing,
   * so a key's starts are recorded at exactly the instant its type's limiter gave them.
   */
  shiftToNewest: boolean
}

export interface Reservation {
  granted: number
  /** The instant the granted starts were recorded at (`startedAt` of the jobs that use them). */
  at: Date
  /**
   * When the limit is used up after this reservation (or refused it as stale): the earliest
   * instant another start could be granted. Null while it has room.
   */
  nextAllowedAt: Date | null
}

/**
 * Reserves up to `requested` starts on each of the given rate limits. On one limiter the update
 * is a pipeline that drops the starts that left the window, counts the rest, grants what fits
 * under `max` and appends the grant, atomically on the one document (mongod applies an update to
 * a single document as one write). So concurrent claims across the fleet never grant more than
 * `max` starts in any window of `perMs`: a sliding log, exact, with no burst at window edges.
 *
 * Commands: one limiter is ONE findOneAndUpdate (upsert, the document after it returned); several
 * are ONE unordered bulkWrite of those updates plus ONE find that reads each answer back by this
 * call's token, whatever their number.
 *
 * The log's instants never go back (see `shiftToNewest`), which is what makes dropping old starts
 * safe when claims arrive out of their `now` order. A reservation the claim then does not use
 * (the job went to another claim) is only wasted: it counts, so the limit is never exceeded.
 */
export async function reserveStarts(
  limiters: Collection<LimiterDocument>,
  params: ReserveStartsParams[],
): Promise<Reservation[]> {
  if (params.length === 0) return []
  const token = randomUUID()
  const comment = commandComment('reserveStarts')
  // Two first reservations of a limiter may race to insert it (E11000 on _id): the loser's update
  // is sent again and applies to the winner's document.
  if (params.length === 1) {
    const only = params[0] as ReserveStartsParams
    const run = () =>
      limiters.findOneAndUpdate({ _id: only.id }, reservationPipeline(only, token), {
        upsert: true,
        returnDocument: 'after',
        comment,
      })
    const document = await run().catch((error: unknown) => {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return run()
      throw error
    })
    return [answerOf(document, only, token)]
  }
  const operations: AnyBulkWriteOperation<LimiterDocument>[] = params.map((entry) => ({
    updateOne: { filter: { _id: entry.id }, update: reservationPipeline(entry, token), upsert: true },
  }))
  const outcome = await runBulkWrite(limiters, operations, { comment })
  if (outcome.duplicates.size > 0) {
    const again = [...outcome.duplicates].flatMap((index) => operations[index] ?? [])
    await runBulkWrite(limiters, again, { comment })
  }
  const documents = await limiters
    .find({ _id: { $in: params.map((entry) => entry.id) } }, { comment })
    .toArray()
  const byId = new Map(documents.map((document) => [document._id, document]))
  return params.map((entry) => answerOf(byId.get(entry.id) ?? null, entry, token))
}

/** This call's answer in a limiter as read back; none found (pushed out, or gone) counts 0 granted. */
function answerOf(document: LimiterDocument | null, params: ReserveStartsParams, token: string): Reservation {
  const answer = document?.recent?.find((entry) => entry.token === token)
  if (document === null || answer === undefined)
    return { granted: 0, at: params.at, nextAllowedAt: new Date(params.at.getTime() + params.rate.perMs) }
  const used = document.starts.reduce((sum, start) => sum + start.n, 0)
  return {
    granted: answer.granted,
    at: answer.at,
    nextAllowedAt:
      answer.stale || used >= params.rate.max
        ? nextAllowedAt({ starts: document.starts, stale: answer.stale }, params.rate, params.at)
        : null,
  }
}

function reservationPipeline(params: ReserveStartsParams, token: string): Document[] {
  const { rate, requested, at, shiftToNewest } = params
  return [
    { $set: { _log: { $ifNull: ['$starts', []] } } },
    // `$max` of an empty list is null, which `$max` and `$gt` below treat as "no start yet".
    { $set: { _newest: { $max: '$_log.at' } } },
    {
      $set: {
        _at: shiftToNewest ? { $max: [at, '$_newest'] } : at,
        _stale: shiftToNewest ? false : { $gt: ['$_newest', at] },
      },
    },
    {
      $set: {
        _live: {
          $filter: { input: '$_log', cond: { $gt: ['$$this.at', { $subtract: ['$_at', rate.perMs] }] } },
        },
      },
    },
    {
      $set: {
        granted: {
          $cond: [
            '$_stale',
            0,
            { $max: [0, { $min: [requested, { $subtract: [rate.max, { $sum: '$_live.n' }] }] }] },
          ],
        },
      },
    },
    {
      $set: {
        starts: {
          $cond: [
            { $gt: ['$granted', 0] },
            { $concatArrays: ['$_live', [{ at: '$_at', n: '$granted' }]] },
            '$_live',
          ],
        },
        recent: {
          $slice: [
            {
              $concatArrays: [
                { $ifNull: ['$recent', []] },
                [{ token: { $literal: token }, granted: '$granted', at: '$_at', stale: '$_stale' }],
              ],
            },
            -RECENT_ANSWERS,
          ],
        },
        expiresAt: { $add: [{ $max: ['$_newest', '$_at'] }, rate.perMs] },
      },
    },
    { $unset: ['_log', '_newest', '_at', '_stale', '_live', 'granted'] },
  ]
}

/**
 * The earliest instant a start could be granted after a reservation that used up the limit:
 * refused as stale, the newest start (nothing is recorded before it); otherwise the instant enough
 * of the oldest starts leave the window for one more (a start at exactly `at - perMs` is out).
 */
export function nextAllowedAt(
  limiter: { starts: LimiterDocument['starts']; stale: boolean },
  rate: RateLimit,
  requestedAt: Date,
): Date {
  const starts = limiter.starts
  if (limiter.stale) {
    const newest = starts.reduce((latest, start) => Math.max(latest, start.at.getTime()), 0)
    return new Date(Math.max(newest, requestedAt.getTime()))
  }
  const total = starts.reduce((sum, start) => sum + start.n, 0)
  let dropped = 0
  for (const start of starts) {
    dropped += start.n
    if (total - dropped <= rate.max - 1) return new Date(start.at.getTime() + rate.perMs)
  }
  // An empty log always has room: only a limiter changed meanwhile gets here; try again at once.
  return requestedAt
}
