import { DEFAULTS } from '../options.js'
import { requireNoControlCharacters, requireNonEmptyString } from './rules.js'

/**
 * A job type names a processor: a non-empty string of at most `DEFAULTS.maxTypeLength` characters,
 * without control characters (it is printed in logs, tables and terminals).
 */
export function validateJobType(value: unknown, field = 'type'): string {
  return requireNoControlCharacters(field, requireNonEmptyString(field, value, DEFAULTS.maxTypeLength))
}
