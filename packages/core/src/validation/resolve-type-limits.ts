import { ValidationError } from '../errors/validation-error.js'
import { MAXIMUMS, MINIMUMS } from '../options.js'
import type { PerKeyLimits, RateLimit, TypeLimits } from '../type-limits.js'
import { isPlainObject, rejectUnknownKeys, requireIntegerBetween } from './rules.js'

const TYPE_LIMIT_KEYS = ['concurrency', 'rateLimit', 'perKey'] as const satisfies ReadonlyArray<
  keyof TypeLimits
>
const PER_KEY_LIMIT_KEYS = ['concurrency', 'rateLimit'] as const satisfies ReadonlyArray<keyof PerKeyLimits>
const RATE_LIMIT_KEYS = ['max', 'perMs'] as const satisfies ReadonlyArray<keyof RateLimit>

/**
 * Validates a type's limits (as `queue.limits.set()` receives them, or as a backend receives them
 * in `ClaimTypeLimit.limits`) and returns a clean copy holding only the limits given. Throws a
 * ValidationError naming the field under `field` (`limits.perKey.rateLimit.perMs`), the rule and
 * the value: a limit must be a positive integer within its bounds (`MAXIMUMS.limitConcurrency`,
 * `MAXIMUMS.rateLimitMax`, `MINIMUMS`/`MAXIMUMS.rateLimitPerMs`), unknown keys are refused, and a
 * per-key concurrency may not exceed the type's own. `{}` is valid and limits nothing.
 */
export function resolveTypeLimits(input: unknown, field = 'limits'): TypeLimits {
  const options = requireLimitsObject(field, input)
  rejectUnknownKeys(field, options, TYPE_LIMIT_KEYS)
  const limits: TypeLimits = {}
  if (options.concurrency !== undefined)
    limits.concurrency = validateConcurrency(`${field}.concurrency`, options.concurrency)
  if (options.rateLimit !== undefined)
    limits.rateLimit = resolveRateLimit(`${field}.rateLimit`, options.rateLimit)
  if (options.perKey !== undefined) {
    const perKeyField = `${field}.perKey`
    const perKey = requireLimitsObject(perKeyField, options.perKey)
    rejectUnknownKeys(perKeyField, perKey, PER_KEY_LIMIT_KEYS)
    const resolved: PerKeyLimits = {}
    if (perKey.concurrency !== undefined) {
      resolved.concurrency = validateConcurrency(`${perKeyField}.concurrency`, perKey.concurrency)
      if (limits.concurrency !== undefined && resolved.concurrency > limits.concurrency) {
        throw new ValidationError(
          `${perKeyField}.concurrency`,
          `must not exceed ${field}.concurrency (${limits.concurrency})`,
          resolved.concurrency,
        )
      }
    }
    if (perKey.rateLimit !== undefined)
      resolved.rateLimit = resolveRateLimit(`${perKeyField}.rateLimit`, perKey.rateLimit)
    if (Object.keys(resolved).length > 0) limits.perKey = resolved
  }
  return limits
}

function requireLimitsObject(field: string, value: unknown): Record<string, unknown> {
  if (!isPlainObject(value)) throw new ValidationError(field, 'must be a plain object', value)
  return value
}

function validateConcurrency(field: string, value: unknown): number {
  return requireIntegerBetween(field, value, 1, MAXIMUMS.limitConcurrency)
}

function resolveRateLimit(field: string, input: unknown): RateLimit {
  const options = requireLimitsObject(field, input)
  rejectUnknownKeys(field, options, RATE_LIMIT_KEYS)
  if (options.max === undefined) throw new ValidationError(`${field}.max`, 'is required', options.max)
  if (options.perMs === undefined) throw new ValidationError(`${field}.perMs`, 'is required', options.perMs)
  return {
    max: requireIntegerBetween(`${field}.max`, options.max, 1, MAXIMUMS.rateLimitMax),
    perMs: requireIntegerBetween(
      `${field}.perMs`,
      options.perMs,
      MINIMUMS.rateLimitPerMs,
      MAXIMUMS.rateLimitPerMs,
    ),
  }
}
