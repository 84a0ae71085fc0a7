import type { BenchResults, TargetResult } from '../results.js'

/** Issue budgets for schedules: what 100 idle schedules add, and the commands per occurrence. */
export const SCHEDULE_TARGETS = {
  /** At most one read per `schedules.scanIntervalMs` (60 s) more than with no schedule. */
  idleDeltaPerSecond: 0.017,
  /** One insert and one update fleet-wide. */
  commandsPerOccurrence: 2,
} as const

function unmeasured(name: string, goal: string): TargetResult {
  return { name, goal, value: 'not measured', met: null, evidence: 'run the schedules scenario' }
}

function idleDeltaTarget(results: BenchResults): TargetResult {
  const name = 'schedules: idle commands/s, 100 schedules vs 0 (push on)'
  const goal = `≈ 0 (≤ ${SCHEDULE_TARGETS.idleDeltaPerSecond}: one read per 60 s scan)`
  const idle = results.schedules?.idle ?? []
  const find = (schedules: number, push: boolean) =>
    idle.find((entry) => entry.schedules === schedules && entry.push === push)
  const zero = find(0, true)
  const hundred = find(100, true)
  if (!zero || !hundred) return unmeasured(name, goal)
  const delta = (left: number, right: number) => Number((right - left).toFixed(3))
  const scheduleDelta = delta(zero.scheduleCommandsPerSecond, hundred.scheduleCommandsPerSecond)
  const zeroOff = find(0, false)
  const hundredOff = find(100, false)
  return {
    name,
    goal,
    value:
      `schedule commands Δ ${scheduleDelta}/s (${zero.scheduleCommandsPerSecond} → ${hundred.scheduleCommandsPerSecond}); ` +
      `all app commands ${zero.commandsPerSecond} → ${hundred.commandsPerSecond}/s` +
      (zeroOff && hundredOff
        ? `; push off: ${zeroOff.commandsPerSecond} → ${hundredOff.commandsPerSecond}/s`
        : ''),
    met: scheduleDelta <= SCHEDULE_TARGETS.idleDeltaPerSecond,
    evidence:
      `${hundred.windowSeconds} s windows; 100 schedules: ${JSON.stringify(hundred.byCommand)}; ` +
      `0: ${JSON.stringify(zero.byCommand)}. Judged on the schedule commands: the others (getMore, recovery, poll) do not depend on schedules, and their timers' phase moves the totals by one command`,
  }
}

function perOccurrenceTarget(results: BenchResults): TargetResult {
  const name = 'schedules: commands per occurrence, fleet-wide (3 processes)'
  const goal = `≤ ${SCHEDULE_TARGETS.commandsPerOccurrence} (one insert, one update)`
  const fleet = results.schedules?.fleet
  if (!fleet) return unmeasured(name, goal)
  return {
    name,
    goal,
    value:
      `steady ${fleet.steadyCommandsPerOccurrence}; whole window ${fleet.commandsPerOccurrence} ` +
      '(with every new schedule’s first occurrence, raced by all processes, and the periodic scans)',
    met: fleet.steadyCommandsPerOccurrence <= SCHEDULE_TARGETS.commandsPerOccurrence,
    evidence: `steady: ${JSON.stringify(fleet.steadyByCommand)} for ${fleet.steadyOccurrences} occurrences; whole window: ${JSON.stringify(fleet.byCommand)} for ${fleet.enqueued}`,
  }
}

function exactlyOnceTarget(results: BenchResults): TargetResult {
  const name = 'schedules: each occurrence enqueued exactly once (3 processes)'
  const goal = 'one job per expected occurrence, no other'
  const fleet = results.schedules?.fleet
  if (!fleet) return unmeasured(name, goal)
  const { storedJobs } = fleet
  return {
    name,
    goal,
    value:
      `${fleet.enqueued} of ${fleet.expected} expected; ${storedJobs.missing} missing, ${storedJobs.duplicates} duplicated, ` +
      `${storedJobs.unexpected} unexpected`,
    met: fleet.exact,
    evidence:
      `schedule:enqueued events ${fleet.enqueuedEvents} (${fleet.distinctEvents} distinct, ` +
      `${fleet.occurrencesWithoutEvent} occurrences without one); fired by process ${fleet.enqueuedByProcess.join(' / ')}; ` +
      `lag p50 ${fleet.lag.p50Ms} ms, p99 ${fleet.lag.p99Ms}, max ${fleet.lag.maxMs}`,
  }
}

export function scheduleTargets(results: BenchResults): TargetResult[] {
  return [idleDeltaTarget(results), perOccurrenceTarget(results), exactlyOnceTarget(results)]
}
