import { JOB_STATES, type JobState } from '@durabl/core'
import { UsageError } from './cli-errors.js'
import { parseDurationMs } from './format/durations.js'

/**
 * Parsers for command-line values. Each throws a `UsageError` (exit 2) naming the option, the value
 * and what is allowed, before anything connects to MongoDB.
 */

/** The states a finished job can be in: the ones `jobs purge` deletes. */
export const FINISHED_STATES = ['completed', 'failed', 'cancelled'] as const
export type FinishedState = (typeof FINISHED_STATES)[number]

const JOB_ID_PATTERN = /^[0-9a-f]{24}$/i

/** Commander's accumulator for repeatable options: `--state a --state b,c` gives `['a', 'b,c']`. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

/** Splits repeated and comma-separated values, dropping empty pieces. */
function splitList(values: string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean)
}

/** `--state pending,failed --state active` → the states, each checked against `allowed`. */
export function parseStates<T extends string = JobState>(
  values: string[] | undefined,
  allowed: readonly T[] = JOB_STATES as unknown as readonly T[],
  option = '--state',
): T[] | undefined {
  if (values === undefined || values.length === 0) return undefined
  const states = splitList(values)
  if (states.length === 0) {
    throw new UsageError(
      `${option} must name a state (${allowed.join(', ')}), got ${JSON.stringify(values.join(','))}`,
    )
  }
  for (const state of states) {
    if (!allowed.includes(state as T)) {
      throw new UsageError(
        `${option}: unknown state ${JSON.stringify(state)}; allowed: ${allowed.join(', ')}`,
      )
    }
  }
  return [...new Set(states)] as T[]
}

/** `--type a --type b,c` → the types. */
export function parseTypes(values: string[] | undefined, option = '--type'): string[] | undefined {
  if (values === undefined || values.length === 0) return undefined
  const types = splitList(values)
  if (types.length === 0)
    throw new UsageError(`${option} must name a job type, got ${JSON.stringify(values.join(','))}`)
  return [...new Set(types)]
}

/** A job id as the MongoDB backend stores it: a 24-character hex ObjectId string. */
export function parseJobId(value: string, label = 'job id'): string {
  if (!JOB_ID_PATTERN.test(value)) {
    throw new UsageError(
      `${label} ${JSON.stringify(value)} is not a job id: job ids are 24-character hex strings such as 65f1c2a9e4b0a1b2c3d4e5f6`,
    )
  }
  return value.toLowerCase()
}

export function parseJobIds(values: string[]): string[] {
  return [...new Set(values.map((value) => parseJobId(value)))]
}

/** A whole number within bounds, for `--limit`, `--count`, `--interval-ms`, `--timeout-ms`. */
export function parseInteger(option: string, value: string, minimum: number, maximum: number): number {
  const number = Number(value)
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < minimum || number > maximum) {
    throw new UsageError(
      `${option} must be a whole number from ${minimum} to ${maximum}, got ${JSON.stringify(value)}`,
    )
  }
  return number
}

/** `30s`, `15m`, `12h`, `7d`, `2w` (or a sum such as `1h30m`) in milliseconds. */
export function parseDuration(option: string, value: string): number {
  const ms = parseDurationMs(value)
  if (ms === undefined) {
    throw new UsageError(
      `${option} must be a duration such as 30s, 15m, 12h, 7d or 2w, got ${JSON.stringify(value)}`,
    )
  }
  return ms
}

/** An ISO 8601 time, for `--now`. */
export function parseTime(option: string, value: string): Date {
  const time = new Date(value)
  if (Number.isNaN(time.getTime())) {
    throw new UsageError(
      `${option} must be an ISO 8601 time such as 2030-01-01T00:00:00Z, got ${JSON.stringify(value)}`,
    )
  }
  return time
}

/** The longest schedule id `queue.schedules` accepts (`MAX_SCHEDULE_ID_LENGTH` in @durabl/core). */
const MAX_SCHEDULE_ID_LENGTH = 200
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/

/**
 * A schedule id as `queue.schedules` accepts it: 1 to 200 characters, no control characters.
 * Schedule ids are chosen by whoever declares the schedule, so anything else is a typo.
 */
export function parseScheduleId(value: string): string {
  if (value.length === 0 || value.length > MAX_SCHEDULE_ID_LENGTH || CONTROL_CHARACTER.test(value)) {
    throw new UsageError(
      `schedule id ${JSON.stringify(value)} is not a schedule id: ids are 1 to ${MAX_SCHEDULE_ID_LENGTH} characters without control characters`,
    )
  }
  return value
}

/**
 * An IANA time zone (`Europe/Paris`, `America/New_York`, `UTC`) that this Node.js's Intl knows,
 * for `--tz`. Returns the zone as given: Intl's canonical name for an alias (`Asia/Calcutta` for
 * `Asia/Kolkata` on some ICU versions) would surprise the person who typed it.
 */
export function parseTimeZone(option: string, value: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value })
    if (value.trim() !== '') return value
  } catch {
    // A RangeError: not a zone Intl knows. Reported below.
  }
  throw new UsageError(
    `${option} must be an IANA time zone such as UTC, Europe/Paris or America/New_York, got ${JSON.stringify(value)}`,
  )
}
