import { type GetStatsParams, JOB_STATES, type JobState, type QueueStats, type TypeStats } from '@durabl/core'
import type { Document } from 'mongodb'
import { commandComment } from '../command-comment.js'
import type { OperationContext } from '../operation-context.js'
import { assertDate, assertNonEmptyString } from '../validate.js'

interface StatsRow {
  _id: { type: string; state: JobState }
  count: number
  due: number
  oldestDueAt: Date | null
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
 * Counts per type and state in one aggregate: a `$group` on `{ type, state }` (served by
 * `durabl_state_type`), with due counts and the oldest due `runAt` computed in the same pass.
 */
export async function getStats(context: OperationContext, params: GetStatsParams): Promise<QueueStats> {
  assertDate(params.now, 'now')
  const match: Document = {}
  if (params.type !== undefined) {
    assertNonEmptyString(params.type, 'type')
    match.type = params.type
  }
  const isDue = { $and: [{ $eq: ['$state', 'pending'] }, { $lte: ['$runAt', params.now] }] }
  const rows = await context.collection
    .aggregate<StatsRow>(
      [
        { $match: match },
        {
          $group: {
            _id: { type: '$type', state: '$state' },
            count: { $sum: 1 },
            due: { $sum: { $cond: [isDue, 1, 0] } },
            oldestDueAt: { $min: { $cond: [isDue, '$runAt', null] } },
          },
        },
      ],
      { comment: commandComment('getStats') },
    )
    .toArray()

  const byType = new Map<string, TypeStats>()
  const total = emptyCounts()
  for (const row of rows) {
    const { type, state } = row._id
    if (!JOB_STATES.includes(state)) continue
    let stats = byType.get(type)
    if (!stats) {
      stats = { type, ...emptyCounts() }
      byType.set(type, stats)
    }
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
  const types = [...byType.values()].sort((left, right) =>
    left.type < right.type ? -1 : left.type > right.type ? 1 : 0,
  )
  return { types, total }
}
