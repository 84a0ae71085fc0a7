import { ValidationError } from '../errors/validation-error.js'
import { DEFAULTS } from '../options.js'
import { SCHEDULE_OVERLAPS, type ScheduleDefinition } from '../schedule.js'
import { isPlainObject, rejectUnknownKeys, requireIntegerAtLeast, requireOneOf } from '../validation/rules.js'
import { validateJobType } from '../validation/validate-job-type.js'
import { validatePayload } from '../validation/validate-payload.js'
import { resolveCatchUp } from './resolve-catch-up.js'
import { resolveScheduleJobOptions } from './resolve-schedule-job-options.js'
import { resolveScheduleTiming } from './resolve-schedule-timing.js'
import { SCHEDULE_DEFAULTS } from './schedule-defaults.js'

const SCHEDULE_DEFINITION_KEYS = [
  'cron',
  'everyMs',
  'timezone',
  'type',
  'data',
  'options',
  'overlap',
  'catchUp',
  'jitterMs',
  'startAt',
  'endAt',
  'limit',
] as const

/**
 * Validates a `ScheduleDefinitionInput` and fills in every default (`SCHEDULE_DEFAULTS`, and
 * `DEFAULTS` for the job options). A bad field throws a `ValidationError` whose message names the
 * field path (prefixed by `field`, e.g. `schedules[2].definition.cron`), the rule and the value;
 * data that cannot be stored throws a `PayloadError`, as it does for `enqueue()`.
 *
 * Resolving a resolved definition gives an equal one (`null` counts as left out).
 */
export function resolveScheduleDefinition(input: unknown, field = 'definition'): ScheduleDefinition {
  if (!isPlainObject(input)) throw new ValidationError(field, 'must be a plain object', input)
  rejectUnknownKeys(field, input, SCHEDULE_DEFINITION_KEYS)
  const type = validateJobType(input.type, `${field}.type`)
  const timing = resolveScheduleTiming(input, field)
  const data = input.data === undefined ? null : input.data
  validatePayload(data, `${field}.data`, DEFAULTS.maxPayloadBytes)
  return {
    cron: timing.cron,
    everyMs: timing.everyMs,
    timezone: timing.timezone,
    type,
    data,
    options: resolveScheduleJobOptions(input.options, `${field}.options`),
    overlap:
      input.overlap === undefined
        ? SCHEDULE_DEFAULTS.overlap
        : requireOneOf(`${field}.overlap`, input.overlap, SCHEDULE_OVERLAPS),
    catchUp: resolveCatchUp(input.catchUp, `${field}.catchUp`),
    jitterMs: timing.jitterMs,
    startAt: timing.startAt,
    endAt: timing.endAt,
    limit: input.limit == null ? null : requireIntegerAtLeast(`${field}.limit`, input.limit, 1),
  }
}
