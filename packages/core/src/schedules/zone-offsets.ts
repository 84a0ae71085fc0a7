/**
 * UTC offsets of IANA time zones, read from the tz database that `Intl` carries, and the mapping
 * from a wall-clock reading back to instants (one, two in a repeated hour, none in a gap).
 *
 * Offsets are measured once per zone and UTC year (a sample a day, then a binary search to the
 * second for each change) and cached, so a lookup is a binary search in memory. A zone whose
 * offset changed twice within one day would be missed; the tz database has none since 1970.
 */

/** A stretch of time with one offset: `[startMs, endMs)`. Ends may fall on UTC year boundaries. */
export interface OffsetSpan {
  startMs: number
  endMs: number
  /** Wall-clock time minus UTC, in ms (`-18_000_000` for New York in winter). */
  offsetMs: number
}

/** What a wall-clock reading of a zone means in absolute time. */
export type WallClockInstants =
  | { kind: 'single'; instantMs: number }
  /** In a repeated hour: both passes, and the wall time at which the repetition ends. */
  | { kind: 'repeated'; earlierMs: number; laterMs: number; repeatedUntilWallMs: number }
  /** Skipped by a forward shift: the first instant after the gap. */
  | { kind: 'gap'; gapEndMs: number }

interface YearOffsets {
  /** Where each offset starts, oldest first; the first is 1 January 00:00Z of the year. */
  startsMs: number[]
  offsetsMs: number[]
  endMs: number
}

const DAY_MS = 86_400_000
/** Farther than any offset the tz database has ever held (the largest is under 16 hours). */
const WALL_WINDOW_MS = DAY_MS
const CACHED_YEARS_LIMIT = 4_096

const years = new Map<string, YearOffsets>()
const formatters = new Map<string, Intl.DateTimeFormat>()

/** The span of one offset around `instantMs` in `timeZone` (`'UTC'` never changes). */
export function offsetSpanAt(timeZone: string, instantMs: number): OffsetSpan {
  if (timeZone === 'UTC') return { startMs: -Infinity, endMs: Infinity, offsetMs: 0 }
  const offsets = yearOffsets(timeZone, new Date(instantMs).getUTCFullYear())
  const { startsMs, offsetsMs } = offsets
  let low = 0
  let high = startsMs.length - 1
  while (low < high) {
    const middle = (low + high + 1) >> 1
    if ((startsMs[middle] as number) <= instantMs) low = middle
    else high = middle - 1
  }
  return {
    startMs: startsMs[low] as number,
    endMs: low + 1 < startsMs.length ? (startsMs[low + 1] as number) : offsets.endMs,
    offsetMs: offsetsMs[low] as number,
  }
}

/** The offset of `timeZone` at `instantMs`, in ms. */
export function zoneOffsetMs(timeZone: string, instantMs: number): number {
  return offsetSpanAt(timeZone, instantMs).offsetMs
}

/**
 * The instants at which the clocks of `timeZone` read `wallMs` (a wall-clock reading written as
 * if it were UTC: 02:30 on 8 March 2026 is `Date.UTC(2026, 2, 8, 2, 30)`).
 */
export function wallClockInstants(timeZone: string, wallMs: number): WallClockInstants {
  const spans = mergedSpansAround(timeZone, wallMs)
  const matches: number[] = []
  for (const [index, span] of spans.entries()) {
    const instantMs = wallMs - span.offsetMs
    if (instantMs >= span.startMs && instantMs < span.endMs) matches.push(index)
  }
  const first = matches[0]
  const last = matches[matches.length - 1]
  if (first !== undefined && last !== undefined) {
    const earlier = spans[first] as OffsetSpan
    const later = spans[last] as OffsetSpan
    if (first === last) return { kind: 'single', instantMs: wallMs - earlier.offsetMs }
    return {
      kind: 'repeated',
      earlierMs: wallMs - earlier.offsetMs,
      laterMs: wallMs - later.offsetMs,
      repeatedUntilWallMs: earlier.endMs + earlier.offsetMs,
    }
  }
  // No instant reads wallMs: a forward shift jumped over it. The gap ends where the span whose
  // clocks jumped past wallMs begins.
  for (let index = 1; index < spans.length; index++) {
    const before = spans[index - 1] as OffsetSpan
    const after = spans[index] as OffsetSpan
    if (before.endMs + before.offsetMs <= wallMs && wallMs < after.startMs + after.offsetMs) {
      return { kind: 'gap', gapEndMs: after.startMs }
    }
  }
  throw new Error(`no instant found for wall-clock time ${new Date(wallMs).toISOString()} in ${timeZone}`)
}

/** The spans within a day either side of `wallMs`, adjacent spans of equal offset joined. */
function mergedSpansAround(timeZone: string, wallMs: number): OffsetSpan[] {
  const spans: OffsetSpan[] = []
  let span = offsetSpanAt(timeZone, wallMs - WALL_WINDOW_MS)
  for (;;) {
    const previous = spans[spans.length - 1]
    if (previous !== undefined && previous.offsetMs === span.offsetMs) previous.endMs = span.endMs
    else spans.push({ ...span })
    if (span.endMs > wallMs + WALL_WINDOW_MS) return spans
    span = offsetSpanAt(timeZone, span.endMs)
  }
}

function yearOffsets(timeZone: string, year: number): YearOffsets {
  const key = `${timeZone}\u0000${year}`
  const cached = years.get(key)
  if (cached !== undefined) return cached
  if (years.size >= CACHED_YEARS_LIMIT) years.clear()
  const measured = measureYear(timeZone, year)
  years.set(key, measured)
  return measured
}

function measureYear(timeZone: string, year: number): YearOffsets {
  const startMs = startOfUtcYearMs(year)
  const endMs = startOfUtcYearMs(year + 1)
  const startsMs = [startMs]
  const offsetsMs = [measureOffsetMs(timeZone, startMs)]
  let previousMs = startMs
  let previousOffsetMs = offsetsMs[0] as number
  while (previousMs < endMs - 1_000) {
    const sampleMs = Math.min(previousMs + DAY_MS, endMs - 1_000)
    const offsetMs = measureOffsetMs(timeZone, sampleMs)
    if (offsetMs !== previousOffsetMs) {
      startsMs.push(findChangeMs(timeZone, previousMs, sampleMs, previousOffsetMs))
      offsetsMs.push(offsetMs)
      previousOffsetMs = offsetMs
    }
    previousMs = sampleMs
  }
  return { startsMs, offsetsMs, endMs }
}

/** `Date.UTC` would read the years 0 to 99 as 1900 to 1999. */
function startOfUtcYearMs(year: number): number {
  const date = new Date(0)
  date.setUTCFullYear(year, 0, 1)
  return date.getTime()
}

/** The first whole second in `(fromMs, toMs]` whose offset is no longer `fromOffsetMs`. */
function findChangeMs(timeZone: string, fromMs: number, toMs: number, fromOffsetMs: number): number {
  let low = fromMs
  let high = toMs
  while (high - low > 1_000) {
    const middle = low + Math.floor((high - low) / 2_000) * 1_000
    if (measureOffsetMs(timeZone, middle) === fromOffsetMs) low = middle
    else high = middle
  }
  return high
}

/** `GMT`, `GMT+05:30`, `GMT-03:00`, or with seconds for old local mean times (`GMT+05:21:10`). */
const LONG_OFFSET = /^GMT(?:([+\-\u2212])(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/

function measureOffsetMs(timeZone: string, instantMs: number): number {
  let formatter = formatters.get(timeZone)
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    formatters.set(timeZone, formatter)
  }
  const name = formatter.formatToParts(instantMs).find((part) => part.type === 'timeZoneName')?.value ?? ''
  const parsed = LONG_OFFSET.exec(name)
  if (parsed === null) throw new Error(`unexpected offset ${JSON.stringify(name)} for time zone ${timeZone}`)
  const [, sign, hours, minutes, seconds] = parsed
  if (sign === undefined) return 0
  const magnitudeMs = ((Number(hours) * 60 + Number(minutes)) * 60 + Number(seconds ?? 0)) * 1_000
  return sign === '+' ? magnitudeMs : -magnitudeMs
}
