import type { ParsedCron } from './parsed-cron.js'
import { offsetSpanAt, wallClockInstants } from './zone-offsets.js'

/** Croner reads the years 1 to 9999; a day's margin keeps wall-clock readings inside them. */
const CRON_FROM_MS = Date.parse('0001-01-02T00:00:00Z')
const CRON_UNTIL_MS = Date.parse('9999-12-31T00:00:00Z')

/**
 * The first occurrence of a cron in `timeZone` strictly after `afterMs`, or null when none is left
 * (croner reads no further than the year 9999).
 *
 * DST rules (durabl's own; `docs/schedules.md`, "Time zones and DST"):
 * - A cron whose hour field covers every hour (`*\/15 * * * *`, `0 * * * *`, `*\/10 * * * * *`)
 *   follows absolute time: an instant is an occurrence when the zone's clocks read a matching
 *   time then. A repeated hour fires in both passes; a gap has no instants, so it fires nothing.
 * - Any other cron (`30 2 * * *`, `0 9-17 * * 1-5`) follows the wall clock: each matching reading
 *   of the clocks runs once. A reading in a repeated hour runs in the first pass (the earlier
 *   instant); a reading skipped by a gap runs right after the gap (02:30 in New York on 8 March
 *   2026 runs at 03:00 EDT, 07:00Z), and several readings in one gap run once together there.
 *
 * Croner 11's own DST handling differs, which is why it only reads the wall clock here: it counts
 * any list, range or step in the seconds, minutes or hours as an "interval" job (`30 1,2 * * *`,
 * `*\/15 2 * * *`), skips that job's readings in a gap and repeats them in a repeated hour.
 */
export function nextCronOccurrenceMs(cron: ParsedCron, timeZone: string, afterMs: number): number | null {
  if (afterMs >= CRON_UNTIL_MS) return null
  const fromMs = Math.max(afterMs, CRON_FROM_MS)
  return cron.everyHour
    ? nextAbsoluteOccurrenceMs(cron, timeZone, fromMs)
    : nextWallClockOccurrenceMs(cron, timeZone, fromMs)
}

/** Span by span of constant offset: the first instant whose wall reading matches. */
function nextAbsoluteOccurrenceMs(cron: ParsedCron, timeZone: string, afterMs: number): number | null {
  let fromMs = afterMs
  for (;;) {
    const span = offsetSpanAt(timeZone, fromMs + 1)
    const matchMs = cron.nextWallMatchMs(fromMs + span.offsetMs)
    if (matchMs === null) return null
    const instantMs = matchMs - span.offsetMs
    if (instantMs < span.endMs) return instantMs
    fromMs = span.endMs - 1
  }
}

/**
 * Reading by reading of the wall clock. Mapping readings to instants (single → itself, repeated →
 * the first pass, gap → the gap's end) never reverses their order, so the first reading that maps
 * after `afterMs` gives the answer; readings at or before the wall time of `afterMs` never do.
 */
function nextWallClockOccurrenceMs(cron: ParsedCron, timeZone: string, afterMs: number): number | null {
  let wallMs = afterMs + offsetSpanAt(timeZone, afterMs).offsetMs
  for (;;) {
    const matchMs = cron.nextWallMatchMs(wallMs)
    if (matchMs === null) return null
    const instants = wallClockInstants(timeZone, matchMs)
    if (instants.kind === 'single') {
      if (instants.instantMs > afterMs) return instants.instantMs
      wallMs = matchMs
    } else if (instants.kind === 'gap') {
      if (instants.gapEndMs > afterMs) return instants.gapEndMs
      wallMs = matchMs
    } else {
      if (instants.earlierMs > afterMs) return instants.earlierMs
      // `afterMs` is in the second pass: every reading of the repeated hour already ran.
      wallMs = Math.max(matchMs, instants.repeatedUntilWallMs - 1)
    }
  }
}
