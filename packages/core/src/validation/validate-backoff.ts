import { ValidationError } from '../errors/validation-error.js'
import type { BackoffSpec } from '../job.js'
import type { BackoffOption } from '../options.js'
import {
  isPlainObject,
  rejectUnknownKeys,
  requireFiniteAtLeast,
  requireOneOf,
  requirePositiveFinite,
} from './rules.js'

/**
 * A backoff stored with a job must be data. A function cannot be stored, so it is only accepted
 * by `process()` ({@link validateBackoffOption}), where it overrides the stored policy.
 */
export function validateBackoffSpec(field: string, value: unknown): BackoffSpec {
  if (typeof value === 'function') {
    throw new ValidationError(
      field,
      'must be a backoff object ({ type: "exponential" | "fixed", ... }); a function cannot be stored with the job, so functions can only be given to process()',
      value,
    )
  }
  if (!isPlainObject(value)) throw new ValidationError(field, 'must be a backoff object', value)
  const type = requireOneOf(`${field}.type`, value.type, ['exponential', 'fixed'] as const)
  if (type === 'fixed') {
    rejectUnknownKeys(field, value, ['type', 'delayMs'])
    return { type, delayMs: requireFiniteAtLeast(`${field}.delayMs`, value.delayMs, 0) }
  }
  rejectUnknownKeys(field, value, ['type', 'baseMs', 'maxMs', 'jitter'])
  const baseMs = requirePositiveFinite(`${field}.baseMs`, value.baseMs)
  const maxMs = requireFiniteAtLeast(`${field}.maxMs`, value.maxMs, 0)
  if (maxMs < baseMs) {
    throw new ValidationError(`${field}.maxMs`, `must be at least ${field}.baseMs (${baseMs})`, maxMs)
  }
  const jitter =
    value.jitter === undefined
      ? 'full'
      : requireOneOf(`${field}.jitter`, value.jitter, ['full', 'none'] as const)
  return { type, baseMs, maxMs, jitter }
}

/** `process()` accepts a stored-style spec or a function of (attempt, error, job). */
export function validateBackoffOption(field: string, value: unknown): BackoffOption {
  if (typeof value === 'function') return value as BackoffOption
  return validateBackoffSpec(field, value)
}
