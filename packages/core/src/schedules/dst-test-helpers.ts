import type { ScheduleDefinition } from '../schedule.js'
import { occurrencesBetween, previewOccurrences } from './next-occurrence.js'
import { resolveScheduleDefinition } from './resolve-schedule-definition.js'
import { offsetSpanAt } from './zone-offsets.js'

/** Test helpers for the DST golden tests: instants are compared as ISO strings in UTC. */

export function cronIn(timezone: string, cron: string): ScheduleDefinition {
  return resolveScheduleDefinition({ type: 'report', cron, timezone })
}

/** The next `count` occurrences after `afterIso`. */
export function preview(definition: ScheduleDefinition, afterIso: string, count: number): string[] {
  return previewOccurrences(definition, new Date(afterIso), count).map((date) => date.toISOString())
}

/** Every occurrence from `fromIso` to `toIso`, both included. */
export function between(definition: ScheduleDefinition, fromIso: string, toIso: string): string[] {
  return occurrencesBetween(definition, new Date(fromIso), new Date(toIso), 1_000).map((date) =>
    date.toISOString(),
  )
}

/** Each change of offset in the UTC years `[fromYear, untilYear)`: `<instant> <hours before> -> <hours after>`. */
export function transitions(timeZone: string, fromYear: number, untilYear: number): string[] {
  const found: string[] = []
  const untilMs = Date.UTC(untilYear, 0, 1)
  let span = offsetSpanAt(timeZone, Date.UTC(fromYear, 0, 1))
  while (span.endMs < untilMs) {
    const next = offsetSpanAt(timeZone, span.endMs)
    if (next.offsetMs !== span.offsetMs) {
      found.push(
        `${new Date(span.endMs).toISOString()} ${span.offsetMs / 3_600_000} -> ${next.offsetMs / 3_600_000}`,
      )
    }
    span = next
  }
  return found
}
