import { ValidationError } from '../errors/validation-error.js'
import { MAXIMUMS } from '../options.js'

/**
 * Small assertions shared by the option resolvers. Each throws a ValidationError whose message
 * names the field, the rule and the value, so a bad option is reported where it was given.
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

/**
 * Rejects keys the options type does not know. A typo (`delay` for `delayMs`) would otherwise be
 * silently ignored and the job would run with the default.
 */
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

/** C0 controls (newline, tab, ESC…), DEL and C1 controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/

/**
 * Names and keys that end up in logs, tables and terminals (job types, dedupe keys, worker ids)
 * must not carry control characters: a newline or an ANSI escape would forge or colour output.
 */
export function requireNoControlCharacters(field: string, value: string): string {
  const found = CONTROL_CHARACTER.exec(value)
  if (found) {
    const codePoint = found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')
    throw new ValidationError(
      field,
      `must not contain control characters (U+${codePoint} at index ${found.index})`,
      value,
    )
  }
  return value
}

/** An integer in `[minimum, maximum]`; the message gives both bounds. */
export function requireIntegerBetween(
  field: string,
  value: unknown,
  minimum: number,
  maximum: number,
): number {
  requireFiniteInteger(field, value)
  if ((value as number) < minimum || (value as number) > maximum) {
    throw new ValidationError(field, `must be an integer from ${minimum} to ${maximum}`, value)
  }
  return value as number
}

/** Rejects a number above `maximum`, saying why the bound exists. */
export function requireAtMost(field: string, value: number, maximum: number, reason: string): number {
  if (value > maximum) throw new ValidationError(field, `must be at most ${maximum} (${reason})`, value)
  return value
}

export function requireFiniteInteger(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ValidationError(field, 'must be a finite integer', value)
  }
  return value
}

export function requireIntegerAtLeast(field: string, value: unknown, minimum: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
    throw new ValidationError(field, `must be an integer >= ${minimum}`, value)
  }
  return value
}

/** A duration or size in a unit named by the field: finite and at least `minimum`. */
export function requireFiniteAtLeast(field: string, value: unknown, minimum: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < minimum) {
    throw new ValidationError(field, `must be a finite number >= ${minimum}`, value)
  }
  return value
}

export function requirePositiveFinite(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ValidationError(field, 'must be a positive finite number', value)
  }
  return value
}

export function requireValidDate(field: string, value: unknown): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new ValidationError(field, 'must be a valid Date', value)
  }
  return value
}

export function requireOneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new ValidationError(field, `must be one of ${allowed.map((item) => `'${item}'`).join(', ')}`, value)
  }
  return value as T
}

export function requireFunction<T>(field: string, value: unknown): T {
  if (typeof value !== 'function') throw new ValidationError(field, 'must be a function', value)
  return value as T
}

/** A duration a Node.js timer waits: at least `minimum`, at most `MAXIMUMS.timerMs`. */
export function requireTimerMs(field: string, value: unknown, minimum: number): number {
  const ms = requireFiniteAtLeast(field, value, minimum)
  return requireAtMost(field, ms, MAXIMUMS.timerMs, 'the longest timer Node.js can set')
}
