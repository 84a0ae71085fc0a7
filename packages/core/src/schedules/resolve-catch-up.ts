import { ValidationError } from '../errors/validation-error.js'
import { CATCH_UP_POLICIES, type ScheduleDefinition } from '../schedule.js'
import {
  isPlainObject,
  rejectUnknownKeys,
  requireFiniteAtLeast,
  requireIntegerBetween,
  requireOneOf,
} from '../validation/rules.js'
import { SCHEDULE_DEFAULTS, SCHEDULE_LIMITS } from './schedule-defaults.js'

/** A policy name, or `{ policy, graceMs?, windowMs?, maxRuns? }`; the rest from `SCHEDULE_DEFAULTS.catchUp`. */
export function resolveCatchUp(input: unknown, field: string): ScheduleDefinition['catchUp'] {
  const defaults = SCHEDULE_DEFAULTS.catchUp
  if (input === undefined) return { ...defaults }
  if (typeof input === 'string') return { ...defaults, policy: requireOneOf(field, input, CATCH_UP_POLICIES) }
  if (!isPlainObject(input)) {
    throw new ValidationError(
      field,
      `must be a policy (${CATCH_UP_POLICIES.map((policy) => `'${policy}'`).join(', ')}) or { policy, graceMs?, windowMs?, maxRuns? }`,
      input,
    )
  }
  rejectUnknownKeys(field, input, ['policy', 'graceMs', 'windowMs', 'maxRuns'])
  return {
    policy: requireOneOf(`${field}.policy`, input.policy, CATCH_UP_POLICIES),
    graceMs:
      input.graceMs === undefined
        ? defaults.graceMs
        : requireFiniteAtLeast(`${field}.graceMs`, input.graceMs, 0),
    windowMs:
      input.windowMs === undefined
        ? defaults.windowMs
        : requireFiniteAtLeast(`${field}.windowMs`, input.windowMs, 0),
    maxRuns:
      input.maxRuns === undefined
        ? defaults.maxRuns
        : requireIntegerBetween(`${field}.maxRuns`, input.maxRuns, 1, SCHEDULE_LIMITS.maxCatchUpRuns),
  }
}
