import type { GetStatsParams, JobState, QueueStats, TypeStats } from '@durabl/core'
import type { Document } from 'mongodb'
import { commandComment } from '../command-comment.js'
import type { OperationContext } from '../operation-context.js'
import { assertDate, assertNonEmptyString } from '../validate.js'

/** The index every stats read goes through (see `jobIndexes()`). */
export const STATS_INDEX_NAME = 'durabl_state_type'

const FINISHED_STATES = ['completed', 'failed', 'cancelled'] as const
type FinishedState = (typeof FINISHED_STATES)[number]

interface LiveRow {
  _id: { type: string; state: 'pending' | 'active' }
  count: number
  due: number
  oldestDueAt: Date | null
}

/**
 * The reads of one `getStats`, exactly as it runs them (`durabl indexes check` explains them):
 *
 * - `live`: one aggregate over the pending and active jobs (`{ state: { $in: [pending, active] } }`
 *   on `durabl_state_type`), grouped by type and state, with the due count and oldest due `runAt`.
 *   Reads each live job once: bounded by the work waiting and running, not by history.
 * - `finishedTypes(state)`: `distinct('type', { state })` per finished state, a DISTINCT_SCAN of
 *   `durabl_state_type` that reads about one key per type.
 * - `finishedCount(state, type)`: a count of `{ state, type }` with `limit: cap`, covered by
 *   `durabl_state_type`: at most `cap` index keys, no document read.
 */
export function statsQueries(now: Date, type?: string) {
  const typeFilter = type === undefined ? {} : { type }
  const isDue = { $and: [{ $eq: ['$state', 'pending'] }, { $lte: ['$runAt', now] }] }
  return {
    live: [
      { $match: { state: { $in: ['pending', 'active'] }, ...typeFilter } },
      {
        $group: {
          _id: { type: '$type', state: '$state' },
          count: { $sum: 1 },
          due: { $sum: { $cond: [isDue, 1, 0] } },
          oldestDueAt: { $min: { $cond: [isDue, '$runAt', null] } },
        },
      },
    ] as Document[],
    finishedTypes: (state: FinishedState): Document => ({ state }),
    finishedCount: (state: FinishedState, countedType: string): Document => ({ state, type: countedType }),
  }
}

function emptyCounts(): Omit<TypeStats, 'type'> {
  return {
    pending: 0,
    active: 0,
    completed: 0,
    failed: 0,
    cancelled: 0,
    due: 0,
    delayed: 0,
    oldestDueAt: null,
  }
}

function older(left: Date | null, right: Date | null): Date | null {
  if (left === null) return right
  if (right === null) return left
  return left.getTime() <= right.getTime() ? left : right
}

/**
 * Counts per type and state without scanning the collection. The cost of one call, in index
 * keys read, is: every pending and active job once (the live work), plus about one key per type
 * and finished state, plus at most `statsFinishedCountCap` keys per type and finished state. It
 * does not grow with the finished jobs retention keeps. A finished count that reaches the cap is
 * reported as the cap (a lower bound); `statsFinishedCountCap: null` counts exactly.
 *
 * Commands: 1 aggregate + 3 `distinct` + one count per (type, finished state) that has jobs, run
 * concurrently. With `type`, the `distinct`s are skipped.
 */
export async function getStats(context: OperationContext, params: GetStatsParams): Promise<QueueStats> {
  assertDate(params.now, 'now')
  if (params.type !== undefined) assertNonEmptyString(params.type, 'type')
  const queries = statsQueries(params.now, params.type)
  const cap = context.options.statsFinishedCountCap
  const comment = commandComment('getStats')

  const [liveRows, finishedTypes] = await Promise.all([
    context.collection.aggregate<LiveRow>(queries.live, { comment }).toArray(),
    Promise.all(
      FINISHED_STATES.map(async (state) => ({
        state,
        types:
          params.type !== undefined
            ? [params.type]
            : (
                (await context.collection.distinct('type', queries.finishedTypes(state), {
                  comment,
                })) as unknown[]
              ).filter((type): type is string => typeof type === 'string'),
      })),
    ),
  ])
  const finishedRows = await Promise.all(
    finishedTypes.flatMap(({ state, types }) =>
      types.map(async (type) => ({
        type,
        state: state as JobState,
        count: await context.collection.countDocuments(
          queries.finishedCount(state, type),
          cap === null ? { comment } : { limit: cap, comment },
        ),
      })),
    ),
  )

  const byType = new Map<string, TypeStats>()
  const total = emptyCounts()
  const statsOf = (type: string) => {
    let stats = byType.get(type)
    if (!stats) {
      stats = { type, ...emptyCounts() }
      byType.set(type, stats)
    }
    return stats
  }
  for (const row of liveRows) {
    const { type, state } = row._id
    if (typeof type !== 'string' || (state !== 'pending' && state !== 'active')) continue
    const stats = statsOf(type)
    stats[state] += row.count
    total[state] += row.count
    if (state === 'pending') {
      stats.due += row.due
      stats.delayed += row.count - row.due
      total.due += row.due
      total.delayed += row.count - row.due
      stats.oldestDueAt = older(stats.oldestDueAt, row.oldestDueAt ?? null)
      total.oldestDueAt = older(total.oldestDueAt, row.oldestDueAt ?? null)
    }
  }
  for (const row of finishedRows) {
    // A type filter names a type that may have no finished jobs: report no entry for nothing.
    if (row.count === 0) continue
    statsOf(row.type)[row.state as FinishedState] += row.count
    total[row.state as FinishedState] += row.count
  }
  const types = [...byType.values()].sort((left, right) =>
    left.type < right.type ? -1 : left.type > right.type ? 1 : 0,
  )
  return { types, total }
}
