import { occurrenceKey } from '@durabl/core'
import { applicationCommands, type CommandSnapshot, durablOperationCategory } from '../command-meter.js'
import type { ScheduleEnqueuedSample } from '../ipc.js'
import type { ScheduleFleetResult } from '../results.js'
import { mean, quantile, round } from '../stats.js'

/** The occurrence jobs the database holds after the run. */
export interface StoredOccurrences {
  foundKeys: string[]
  found: number
  missing: number
  /** Occurrence keys with more than one job (the unique index should make this 0). */
  duplicates: number
  /** Occurrence keys outside the expected span. */
  unexpected: number
}

export interface FleetMeasurements {
  fleet: { processes: number; schedules: number; everyMs: number }
  samples: ScheduleEnqueuedSample[]
  byProcess: number[]
  /** Every process's commands from go to the end, and from `steadyFromMs` to the end. */
  whole: CommandSnapshot
  steady: CommandSnapshot
  /** The first occurrence, and the start of the steady window (ms since the epoch). */
  firstMs: number
  steadyFromMs: number
  stored: StoredOccurrences
  /** Occurrence key → its instant (ms). */
  expectedKeys: Map<string, number>
  seconds: number
  /** Every occurrence arrived before the deadline. */
  complete: boolean
}

/** `operation:command` entries of durabl's schedule operations (`fireSchedule:insert`, …). */
function scheduleOperations(snapshot: CommandSnapshot, leaveOut: string[] = []): Record<string, number> {
  return Object.fromEntries(
    Object.entries(snapshot.byOperation).filter(([key]) => {
      const operation = key.slice(0, key.indexOf(':'))
      return durablOperationCategory(operation) === 'schedule' && !leaveOut.includes(operation)
    }),
  )
}

function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, value) => sum + value, 0)
}

function perOccurrence(count: number, occurrences: number): number {
  return round(count / Math.max(1, occurrences))
}

/**
 * The fleet's numbers. Occurrences enqueued are the database's (one job per occurrence key); the
 * events give the lag and who fired, and are checked against it.
 */
export function summariseFleet(measured: FleetMeasurements): ScheduleFleetResult {
  const { fleet, samples, stored, expectedKeys } = measured
  const eventKeys = samples.map((sample) => occurrenceKey(sample.scheduleId, new Date(sample.occurrenceMs)))
  const distinct = new Set(eventKeys)
  const withoutEvent = stored.foundKeys.filter((key) => !distinct.has(key)).sort()
  const byCommand = scheduleOperations(measured.whole)
  // The periodic scan is priced per scanIntervalMs (the idle rows), not per occurrence.
  const steadyByCommand = scheduleOperations(measured.steady, ['listSchedules'])
  const steadyOccurrences = stored.foundKeys.filter(
    (key) => (expectedKeys.get(key) ?? 0) > measured.steadyFromMs,
  ).length
  const lags = samples.map((sample) => sample.lagMs).sort((left, right) => left - right)
  return {
    processes: fleet.processes,
    schedules: fleet.schedules,
    everyMs: fleet.everyMs,
    occurrencesPerSchedule: expectedKeys.size / fleet.schedules,
    expected: expectedKeys.size,
    enqueued: stored.found,
    enqueuedEvents: samples.length,
    distinctEvents: distinct.size,
    occurrencesWithoutEvent: withoutEvent.length,
    ...(withoutEvent.length > 0 ? { withoutEventExamples: withoutEvent.slice(0, 5) } : {}),
    storedJobs: {
      found: stored.found,
      missing: stored.missing,
      duplicates: stored.duplicates,
      unexpected: stored.unexpected,
    },
    exact: stored.found === expectedKeys.size && stored.duplicates === 0 && stored.unexpected === 0,
    lag: {
      samples: lags.length,
      p50Ms: round(quantile(lags, 0.5)),
      p99Ms: round(quantile(lags, 0.99)),
      maxMs: round(lags.at(-1) ?? Number.NaN),
      meanMs: round(mean(lags)),
    },
    enqueuedByProcess: measured.byProcess,
    commandsPerOccurrence: perOccurrence(total(byCommand), stored.found),
    byCommand,
    steadyCommandsPerOccurrence: perOccurrence(total(steadyByCommand), steadyOccurrences),
    steadyAfterFirstMs: measured.steadyFromMs - measured.firstMs,
    steadyOccurrences,
    steadyByCommand,
    allCommandsPerOccurrence: perOccurrence(applicationCommands(measured.whole), stored.found),
    allByCommand: measured.whole.byOperation,
    windowSeconds: round(measured.seconds),
    ...(measured.complete
      ? {}
      : { error: `${stored.found} of ${expectedKeys.size} occurrences enqueued by the deadline` }),
  }
}
