import { MAXIMUMS } from '../options.js'
import type { ScheduleDefinition } from '../schedule.js'
import { requireValidDate } from '../validation/rules.js'
import { nextCronOccurrenceMs } from './cron-occurrence.js'
import { parseCron } from './parsed-cron.js'

/**
 * The first occurrence strictly after `after`, or null when the schedule has none left: past
 * `endAt` (inclusive: an occurrence exactly at `endAt` runs), or a cron with no match before the
 * year 10000. Nothing occurs before `startAt`. `limit` is not looked at (the runtime counts runs).
 *
 * - `everyMs`: occurrences at `anchor + k * everyMs`, where the anchor is `startAt` (the first
 *   occurrence), or 1970-01-01T00:00Z without one: absolute time, the same in every process,
 *   whatever the time zone.
 * - `cron`: read in `timezone`, with durabl's DST rules (see `nextCronOccurrenceMs`).
 *
 * Runs in microseconds: a cached parse, one croner step and a cached offset lookup per call.
 */
export function nextOccurrence(definition: ScheduleDefinition, after: Date): Date | null {
  const afterMs = requireValidDate('after', after).getTime()
  const startMs = definition.startAt?.getTime() ?? null
  const endMs = definition.endAt?.getTime() ?? MAXIMUMS.dateMs
  let occurrenceMs: number | null
  if (definition.everyMs !== null) {
    occurrenceMs = nextEveryOccurrenceMs(definition.everyMs, startMs, afterMs)
  } else if (definition.cron !== null) {
    const fromMs = startMs !== null && afterMs < startMs ? startMs - 1 : afterMs
    occurrenceMs = nextCronOccurrenceMs(parseCron(definition.cron), definition.timezone, fromMs)
  } else {
    throw new TypeError('nextOccurrence: the definition has neither cron nor everyMs')
  }
  return occurrenceMs === null || occurrenceMs > endMs ? null : new Date(occurrenceMs)
}

/** Occurrences `t` with `from <= t <= to`, oldest first, at most `max`. */
export function occurrencesBetween(
  definition: ScheduleDefinition,
  from: Date,
  to: Date,
  max: number,
): Date[] {
  const occurrences: Date[] = []
  const toMs = to.getTime()
  let cursor = new Date(from.getTime() - 1)
  while (occurrences.length < max) {
    const next = nextOccurrence(definition, cursor)
    if (next === null || next.getTime() > toMs) break
    occurrences.push(next)
    cursor = next
  }
  return occurrences
}

/** The next `count` occurrences strictly after `after`, oldest first (fewer when the schedule ends). */
export function previewOccurrences(definition: ScheduleDefinition, after: Date, count: number): Date[] {
  const occurrences: Date[] = []
  let cursor = after
  while (occurrences.length < count) {
    const next = nextOccurrence(definition, cursor)
    if (next === null) break
    occurrences.push(next)
    cursor = next
  }
  return occurrences
}

/** `startMs + k * everyMs` for k >= 0; without a start, `k * everyMs` for any k (1970 only sets the phase). */
function nextEveryOccurrenceMs(everyMs: number, startMs: number | null, afterMs: number): number | null {
  if (startMs !== null && afterMs < startMs) return startMs
  // A remainder is exact on integers, where a division can round up near the largest dates.
  const sinceAnchorMs = (((afterMs - (startMs ?? 0)) % everyMs) + everyMs) % everyMs
  const occurrenceMs = afterMs - sinceAnchorMs + everyMs
  return occurrenceMs > MAXIMUMS.dateMs ? null : occurrenceMs
}
