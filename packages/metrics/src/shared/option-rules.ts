import { ValidationError } from '@durabl/core'

/**
 * The option rules this package adds to those of `@durabl/core` (re-exported here, so resolvers
 * import from one place). Each throws a `ValidationError` naming the field, the rule and the value.
 */
export {
  isPlainObject,
  rejectUnknownKeys,
  requireFiniteAtLeast,
  requireFunction,
  requireIntegerBetween,
  requireNonEmptyString,
  requireOptionsObject,
} from '@durabl/core'

export function requireBoolean(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ValidationError(field, 'must be a boolean', value)
  return value
}

/** Histogram buckets: a non-empty, strictly increasing list of finite numbers > 0. */
export function requireBuckets(field: string, value: unknown): number[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new ValidationError(field, 'must be a non-empty array of numbers', value)
  }
  value.forEach((bound: unknown, index) => {
    if (typeof bound !== 'number' || !Number.isFinite(bound) || bound <= 0) {
      throw new ValidationError(`${field}[${index}]`, 'must be a finite number > 0', bound)
    }
    if (index > 0 && bound <= (value[index - 1] as number)) {
      throw new ValidationError(`${field}[${index}]`, 'must be greater than the bucket before it', bound)
    }
  })
  return [...(value as number[])]
}
