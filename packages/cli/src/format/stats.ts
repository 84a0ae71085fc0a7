import type { QueueStats, TypeStats } from '@durabl/core'
import { formatDurationMs } from './durations.js'
import { renderTable } from './table.js'

type Counts = Omit<TypeStats, 'type'>

/** The age of the oldest due job at `now`, in milliseconds, or null when nothing is due. */
export function oldestDueAgeMs(counts: Counts, now: Date): number | null {
  return counts.oldestDueAt === null ? null : Math.max(0, now.getTime() - counts.oldestDueAt.getTime())
}

/** `stats --json`: the backend's numbers plus the oldest due job's age, per type and in total. */
export function statsForJson(stats: QueueStats, now: Date): Record<string, unknown> {
  const withAge = (counts: Counts) => ({ ...counts, oldestDueAgeMs: oldestDueAgeMs(counts, now) })
  return {
    at: now,
    types: stats.types.map((entry) => withAge(entry)),
    total: withAge(stats.total),
  }
}

/** A table of types × states, with a TOTAL row when there is more than one type. */
export function renderStatsTable(stats: QueueStats, now: Date): string {
  if (stats.types.length === 0) return 'no jobs'
  const row = (label: string, counts: Counts) => {
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
    ]
  }
  const rows = stats.types.map((entry) => row(entry.type, entry))
  if (stats.types.length > 1) rows.push(row('TOTAL', stats.total))
  return renderTable(
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
    ],
    rows,
  )
}
