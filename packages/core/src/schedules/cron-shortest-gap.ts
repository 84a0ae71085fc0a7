import type { ParsedCron } from './parsed-cron.js'

const SAMPLE_FROM_MS = Date.UTC(2000, 0, 1)
const SAMPLE_UNTIL_MS = Date.UTC(2008, 0, 1)
const SAMPLE_MATCHES = 500

/**
 * The shortest gap between two consecutive matches of a cron read in UTC, measured over its first
 * 500 matches from 2000-01-01T00:00Z within 8 years (a leap cycle); Infinity with fewer than two.
 * Exact for crons that fire at least daily; for sparser ones it is the gap seen in those 8 years.
 * `jitterMs` must stay below it, or a jittered run could be due after the next occurrence.
 */
export function cronShortestGapMs(cron: ParsedCron): number {
  let shortestMs = Infinity
  let previousMs = cron.nextWallMatchMs(SAMPLE_FROM_MS - 1)
  for (let count = 1; previousMs !== null && count < SAMPLE_MATCHES; count++) {
    const nextMs = cron.nextWallMatchMs(previousMs)
    if (nextMs === null || nextMs > SAMPLE_UNTIL_MS) break
    shortestMs = Math.min(shortestMs, nextMs - previousMs)
    previousMs = nextMs
  }
  return shortestMs
}
