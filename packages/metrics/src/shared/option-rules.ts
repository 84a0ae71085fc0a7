import { ValidationError } from '@durabl/core'

/**
 * Small assertions shared by this package's option resolvers. Each throws a `ValidationError`
 * from `@durabl/core` whose message names the field, the rule and the value.
 */

/** True for `{}` literals and `Object.create(null)`, false for class instances and arrays. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/** Options objects are optional: `undefined` means "all defaults". */
export function requireOptionsObject(field: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {}
  if (!isPlainObject(value)) throw new ValidationError(field, 'must be a plain object', value)
  return value
}

/** A typo (`statsCache` for `statsCacheMs`) would otherwise be ignored silently. */
export function rejectUnknownKeys(
  field: string,
  options: Record<string, unknown>,
  known: readonly string[],
): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new ValidationError(
        `${field}.${key}`,
        `is not a known option (known: ${known.join(', ')})`,
        options[key],
      )
    }
  }
}

export function requireNonEmptyString(field: string, value: unknown, maxLength: number): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValidationError(field, 'must be a non-empty string', value)
  }
  if (value.length > maxLength) {
    throw new ValidationError(field, `must be at most ${maxLength} characters long`, value)
  }
  return value
}

export function requireFiniteAtLeast(field: string, value: unknown, minimum: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < minimum) {
    throw new ValidationError(field, `must be a finite number >= ${minimum}`, value)
  }
  return value
}

export function requireIntegerBetween(
  field: string,
  value: unknown,
  minimum: number,
  maximum: number,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum || value > maximum) {
    throw new ValidationError(field, `must be an integer from ${minimum} to ${maximum}`, value)
  }
  return value
}

export function requireBoolean(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ValidationError(field, 'must be a boolean', value)
  return value
}

export function requireFunction<T>(field: string, value: unknown): T {
  if (typeof value !== 'function') throw new ValidationError(field, 'must be a function', value)
  return value as T
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
