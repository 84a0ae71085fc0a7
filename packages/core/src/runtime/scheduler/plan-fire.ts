import type { Schedule } from '../../schedule.js'
import { nextOccurrence } from './time-engine.js'

/** The most occurrences one pass examines; a longer backlog is worked through in further passes. */
export const MAX_OCCURRENCES_PER_PASS = 10_000
/** The most jobs one pass enqueues (one backend write); the rest wait for the next pass. */
export const MAX_RUNS_PER_PASS = 500

/** One occurrence that runs in this pass. */
export interface PlannedRun {
  at: Date
  /** Enqueued by the catch-up policy after downtime. */
  caughtUp: boolean
}

/** What one pass over a due schedule does. */
export interface FirePlan {
  runs: PlannedRun[]
  /** Occurrences counted as missed in this pass. */
  missed: number
  firstMissed: Date | null
  lastMissed: Date | null
  /** The newest occurrence this pass handled. */
  lastHandled: Date
  /** The schedule's next occurrence after this pass; null when it ended. */
  nextRunAt: Date | null
}

/**
 * Plans a pass over a schedule whose `nextRunAt` is due at `now`: every occurrence from
 * `nextRunAt` up to `now` is either run or counted as missed, never both, never neither.
 *
 * An occurrence reached within `catchUp.graceMs` of its time is on time and runs (late, but it
 * runs). Older ones were missed (nobody was running): `'none'` runs none of them, `'latest'` runs
 * the newest of them when no on-time occurrence runs in the same pass, and `'all'` runs the newest
 * `maxRuns` of those within `windowMs` of now. `limit` caps the runs; reaching it ends the schedule.
 * Returns null when nothing is due (paused, ended, or `nextRunAt` still ahead).
 */
export function planFire(schedule: Schedule, now: Date): FirePlan | null {
  const first = schedule.nextRunAt
  if (schedule.paused || first === null || first > now) return null
  const { definition } = schedule
  const { policy, graceMs, windowMs, maxRuns } = definition.catchUp
  const onTimeFrom = now.getTime() - graceMs
  const windowFrom = now.getTime() - windowMs
  const onTime: Date[] = []
  const windowed: Date[] = []
  const missedAll: Date[] = []
  let lastHandled = first
  let examined = 0
  for (let at: Date | null = first; at !== null && at <= now; at = nextOccurrence(definition, at)) {
    if (examined >= MAX_OCCURRENCES_PER_PASS || onTime.length >= MAX_RUNS_PER_PASS) break
    examined += 1
    lastHandled = at
    if (at.getTime() >= onTimeFrom) {
      onTime.push(at)
      continue
    }
    missedAll.push(at)
    if (policy === 'all' && at.getTime() >= windowFrom) {
      windowed.push(at)
      if (windowed.length > maxRuns) windowed.shift()
    }
  }
  let caughtUp: Date[] = []
  if (policy === 'all') caughtUp = windowed
  else if (policy === 'latest' && onTime.length === 0 && missedAll.length > 0) caughtUp = missedAll.slice(-1)
  let runs: PlannedRun[] = [
    ...caughtUp.map((at) => ({ at, caughtUp: true })),
    ...onTime.map((at) => ({ at, caughtUp: false })),
  ]
  let ended = false
  if (definition.limit !== null) {
    const left = Math.max(0, definition.limit - schedule.runs)
    if (runs.length >= left) {
      runs = runs.slice(0, left)
      ended = true
    }
  }
  const ran = new Set(runs.filter((run) => run.caughtUp).map((run) => run.at.getTime()))
  const notRun = missedAll.filter((at) => !ran.has(at.getTime()))
  return {
    runs,
    missed: notRun.length,
    firstMissed: notRun[0] ?? null,
    lastMissed: notRun[notRun.length - 1] ?? null,
    lastHandled,
    nextRunAt: ended ? null : nextOccurrence(definition, lastHandled),
  }
}
