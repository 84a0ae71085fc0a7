import type { JobQueueStats, TypeStats } from '@durabl/core'
import { formatDurationMs } from './durations.js'
import { renderTable } from './table.js'

type Counts = Omit<TypeStats, 'type'>

/** The age of the oldest due job at `now`, in milliseconds, or null when nothing is due. */
export function oldestDueAgeMs(counts: Counts, now: Date): number | null {
  return counts.oldestDueAt === null ? null : Math.max(0, now.getTime() - counts.oldestDueAt.getTime())
}

/**
 * `stats --json`: the backend's numbers plus the oldest due job's age, per type and in total, each
 * type's `paused` flag and `allPaused`.
 */
export function statsForJson(stats: JobQueueStats, now: Date): Record<string, unknown> {
  const withAge = <T extends Counts>(counts: T) => ({
    ...counts,
    oldestDueAgeMs: oldestDueAgeMs(counts, now),
  })
  return {
    at: now,
    types: stats.types.map((entry) => withAge(entry)),
    total: withAge(stats.total),
    allPaused: stats.allPaused,
  }
}

/**
 * A table of types × states, with a TOTAL row when there is more than one type. When a type is
 * paused a PAUSED column says which (`yes`), and a last line says when every type is.
 */
export function renderStatsTable(stats: JobQueueStats, now: Date): string {
  const allNote = stats.allPaused
    ? "every type is paused (pause --all): 'durabl resume --all' resumes them"
    : null
  if (stats.types.length === 0) return allNote === null ? 'no jobs' : `no jobs\n${allNote}`
  const showPaused = stats.types.some((entry) => entry.paused)
  const row = (label: string, counts: Counts, paused?: boolean) => {
    const age = oldestDueAgeMs(counts, now)
    return [
      label,
      String(counts.pending),
      String(counts.due),
      String(counts.delayed),
      String(counts.active),
      String(counts.completed),
      String(counts.failed),
      String(counts.cancelled),
      age === null ? '-' : formatDurationMs(age),
      ...(showPaused ? [paused === undefined ? '' : paused ? 'yes' : '-'] : []),
    ]
  }
  const rows = stats.types.map((entry) => row(entry.type, entry, entry.paused))
  if (stats.types.length > 1) rows.push(row('TOTAL', stats.total))
  const table = renderTable(
    [
      { header: 'TYPE' },
      { header: 'PENDING', align: 'right' },
      { header: 'DUE', align: 'right' },
      { header: 'DELAYED', align: 'right' },
      { header: 'ACTIVE', align: 'right' },
      { header: 'COMPLETED', align: 'right' },
      { header: 'FAILED', align: 'right' },
      { header: 'CANCELLED', align: 'right' },
      { header: 'OLDEST DUE', align: 'right' },
      ...(showPaused ? [{ header: 'PAUSED' }] : []),
    ],
    rows,
  )
  return allNote === null ? table : `${table}\n${allNote}`
}
