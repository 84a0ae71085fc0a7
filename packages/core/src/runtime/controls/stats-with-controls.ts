import { ALL_TYPES, type QueueStats, type TypeControl, type TypeStats } from '../../backend.js'

/** One type's counts, and whether workers hold its jobs (paused by name or with every type). */
export interface TypeStatsWithPause extends TypeStats {
  paused: boolean
}

/** What `queue.getStats()` returns: the backend's counts with the pause state of each type. */
export interface JobQueueStats extends QueueStats {
  /** One entry per type that has jobs or is paused by name, sorted by type. */
  types: TypeStatsWithPause[]
  /** Every type is paused (`queue.pause()` without a type, stored as `'*'`). */
  allPaused: boolean
}

/**
 * Adds the pause state to the backend's counts: `paused` on every type (true when it or `'*'` is
 * paused), and an entry with zero counts for each type paused by name that has no jobs, so a
 * paused type shows even while its queue is empty. With `onlyType`, only that type is added.
 */
export function statsWithControls(
  stats: QueueStats,
  controls: readonly TypeControl[],
  onlyType?: string,
): JobQueueStats {
  const allPaused = controls.some((control) => control.type === ALL_TYPES && control.paused)
  const pausedByName = new Set(
    controls.filter((control) => control.type !== ALL_TYPES && control.paused).map((control) => control.type),
  )
  const types: TypeStatsWithPause[] = stats.types.map((entry) => ({
    ...entry,
    paused: allPaused || pausedByName.has(entry.type),
  }))
  const listed = new Set(types.map((entry) => entry.type))
  for (const type of pausedByName) {
    if (listed.has(type) || (onlyType !== undefined && type !== onlyType)) continue
    types.push({
      type,
      pending: 0,
      active: 0,
      completed: 0,
      failed: 0,
      cancelled: 0,
      due: 0,
      delayed: 0,
      oldestDueAt: null,
      paused: true,
    })
  }
  types.sort((first, second) => (first.type < second.type ? -1 : first.type > second.type ? 1 : 0))
  return { ...stats, types, allPaused }
}
