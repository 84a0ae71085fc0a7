import { ValidationError } from '../errors/validation-error.js'
import { MAXIMUMS } from '../options.js'
import type { ScheduleDefinition } from '../schedule.js'
import {
  requireAtMost,
  requireIntegerAtLeast,
  requireNoControlCharacters,
  requireNonEmptyString,
  requireValidDate,
} from '../validation/rules.js'
import { cronShortestGapMs } from './cron-shortest-gap.js'
import { CronSyntaxError, parseCron } from './parsed-cron.js'
import { SCHEDULE_DEFAULTS, SCHEDULE_LIMITS } from './schedule-defaults.js'

type ScheduleTiming = Pick<
  ScheduleDefinition,
  'cron' | 'everyMs' | 'timezone' | 'jitterMs' | 'startAt' | 'endAt'
>

/**
 * The fields that decide when a schedule fires: exactly one of `cron` and `everyMs`, a valid IANA
 * `timezone`, `jitterMs` below the interval, and `startAt` before `endAt`. `null` counts as left
 * out, so a resolved definition resolves to itself.
 */
export function resolveScheduleTiming(input: Record<string, unknown>, field: string): ScheduleTiming {
  const hasCron = input.cron !== undefined && input.cron !== null
  const hasEveryMs = input.everyMs !== undefined && input.everyMs !== null
  if (hasCron && hasEveryMs) {
    throw new ValidationError(
      `${field}.cron`,
      `must not be given together with ${field}.everyMs (${String(input.everyMs)}): give exactly one of cron and everyMs`,
      input.cron,
    )
  }
  if (!hasCron && !hasEveryMs) {
    throw new ValidationError(field, 'must have exactly one of cron and everyMs, and has neither', input)
  }
  const timezone =
    input.timezone === undefined
      ? SCHEDULE_DEFAULTS.timezone
      : validateTimezone(`${field}.timezone`, input.timezone)
  const cron = hasCron ? validateCron(`${field}.cron`, input.cron) : null
  const everyMs = hasEveryMs ? validateEveryMs(`${field}.everyMs`, input.everyMs) : null
  const startAt = input.startAt == null ? null : requireValidDate(`${field}.startAt`, input.startAt)
  const endAt = input.endAt == null ? null : requireValidDate(`${field}.endAt`, input.endAt)
  if (startAt !== null && endAt !== null && startAt.getTime() >= endAt.getTime()) {
    throw new ValidationError(
      `${field}.endAt`,
      `must be later than ${field}.startAt (${startAt.toISOString()})`,
      endAt,
    )
  }
  const jitterMs =
    input.jitterMs === undefined
      ? SCHEDULE_DEFAULTS.jitterMs
      : validateJitterMs(`${field}.jitterMs`, input.jitterMs, cron, everyMs)
  // Copies, so a caller changing its Date later cannot change the definition.
  return {
    cron,
    everyMs,
    timezone,
    jitterMs,
    startAt: startAt === null ? null : new Date(startAt.getTime()),
    endAt: endAt === null ? null : new Date(endAt.getTime()),
  }
}

/** An IANA zone name `Intl` knows (`Europe/London`, `UTC`). */
export function validateTimezone(field: string, value: unknown): string {
  const timezone = requireNonEmptyString(field, value, SCHEDULE_LIMITS.maxTimezoneLength)
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: timezone })
  } catch {
    throw new ValidationError(field, 'must be an IANA time zone such as "Europe/London" or "UTC"', value)
  }
  return timezone
}

function validateCron(field: string, value: unknown): string {
  const cron = requireNoControlCharacters(
    field,
    requireNonEmptyString(field, value, SCHEDULE_LIMITS.maxCronLength),
  )
  try {
    parseCron(cron)
  } catch (error) {
    if (!(error instanceof CronSyntaxError)) throw error
    throw new ValidationError(field, `is not a valid cron expression: ${error.message}`, value)
  }
  if (parseCron(cron).nextWallMatchMs(Date.UTC(2000, 0, 1)) === null) {
    throw new ValidationError(field, 'never fires: no date matches it', value)
  }
  return cron
}

function validateEveryMs(field: string, value: unknown): number {
  if (
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= 0 &&
    value < SCHEDULE_LIMITS.minEveryMs
  ) {
    throw new ValidationError(
      field,
      `must be at least ${SCHEDULE_LIMITS.minEveryMs}: everyMs under a second is not supported`,
      value,
    )
  }
  const everyMs = requireIntegerAtLeast(field, value, SCHEDULE_LIMITS.minEveryMs)
  return requireAtMost(field, everyMs, MAXIMUMS.dateMs, `the latest Date is ${MAXIMUMS.dateMs} ms since 1970`)
}

function validateJitterMs(
  field: string,
  value: unknown,
  cron: string | null,
  everyMs: number | null,
): number {
  const jitterMs = requireIntegerAtLeast(field, value, 0)
  const intervalMs = everyMs ?? cronShortestGapMs(parseCron(cron as string))
  if (jitterMs >= intervalMs) {
    const interval =
      everyMs === null
        ? `the shortest gap between two runs of the cron (${intervalMs} ms)`
        : `everyMs (${everyMs})`
    throw new ValidationError(
      field,
      `must be less than ${interval}, or a jittered run could pass the next one`,
      value,
    )
  }
  return jitterMs
}
