import { Cron, CronPattern } from 'croner'

/**
 * A cron expression parsed by croner, read in wall-clock time only. Croner evaluates it at a
 * fixed UTC offset of zero, so it never applies a time zone or DST rule of its own: the instants
 * are ours to choose (`cron-occurrence.ts`).
 */
export interface ParsedCron {
  expression: string
  /**
   * True when the hour field covers every hour (`*`, `*\/1`, `0-23`): such a schedule fires every
   * hour at least and follows absolute time across DST shifts. Otherwise it follows the wall clock.
   */
  everyHour: boolean
  /** The first wall-clock reading after `wallMs` that matches, or null past the year 9999. */
  nextWallMatchMs(wallMs: number): number | null
}

/** Why an expression is not a cron we accept. */
export class CronSyntaxError extends Error {
  override name = 'CronSyntaxError'
}

const CACHE_LIMIT = 1_000
const cache = new Map<string, ParsedCron>()

/**
 * Parses 5 fields (minute precision) or 6 (leading seconds), or a nickname (`@daily`, `@hourly`).
 * Croner's year field (7 fields) is refused: a schedule runs for as long as it is declared.
 * Throws a {@link CronSyntaxError} saying what is wrong.
 */
export function parseCron(expression: string): ParsedCron {
  const cached = cache.get(expression)
  if (cached !== undefined) return cached
  const fields = expression.trim().split(/\s+/)
  if (!expression.trim().startsWith('@') && (fields.length < 5 || fields.length > 6)) {
    throw new CronSyntaxError(
      `has ${fields.length} field${fields.length === 1 ? '' : 's'}; a cron has 5 (minute hour day-of-month month day-of-week) or 6 with leading seconds${fields.length === 7 ? ', and no year field' : ''}`,
    )
  }
  let cron: Cron
  let pattern: CronPattern
  try {
    pattern = new CronPattern(expression, undefined, { mode: '5-or-6-parts' })
    cron = new Cron(expression, { utcOffset: 0, paused: true, mode: '5-or-6-parts' })
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new CronSyntaxError(message.replace(/^Cron(Pattern|Options)?: /, ''))
  }
  const parsed: ParsedCron = {
    expression,
    everyHour: pattern.hour.length === 24 && pattern.hour.every((hour) => hour !== 0),
    nextWallMatchMs(wallMs) {
      return cron.nextRun(new Date(wallMs))?.getTime() ?? null
    },
  }
  if (cache.size >= CACHE_LIMIT) cache.clear()
  cache.set(expression, parsed)
  return parsed
}
