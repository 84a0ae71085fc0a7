import { DEFAULTS } from '../options.js'
import { requireNonEmptyString } from './rules.js'

/** A job type names a processor: a non-empty string of at most `DEFAULTS.maxTypeLength` characters. */
export function validateJobType(value: unknown, field = 'type'): string {
  return requireNonEmptyString(field, value, DEFAULTS.maxTypeLength)
}
