import { ValidationError } from '../errors/validation-error.js'
import type { RedactOptions } from '../options.js'
import { rejectUnknownKeys, requireOptionsObject } from './rules.js'

const REDACT_OPTION_KEYS = ['patterns'] as const satisfies ReadonlyArray<keyof RedactOptions>

/** `JobQueueOptions.redact` after validation: the extra patterns, each with the `g` flag. */
export interface ResolvedRedactOptions {
  patterns: readonly RegExp[]
}

/**
 * Validates `redact` once, at construction. Each pattern must be a RegExp that does not match the
 * empty string (it would redact nothing and hide a mistake); it is copied with the `g` flag added
 * and `y` removed, so every occurrence is replaced and the caller's RegExp is never mutated.
 */
export function resolveRedactOptions(input: unknown, field = 'options.redact'): ResolvedRedactOptions {
  const options = requireOptionsObject(field, input)
  rejectUnknownKeys(field, options, REDACT_OPTION_KEYS)
  if (options.patterns === undefined) return { patterns: [] }
  if (!Array.isArray(options.patterns)) {
    throw new ValidationError(`${field}.patterns`, 'must be an array of RegExp', options.patterns)
  }
  const patterns = options.patterns.map((pattern: unknown, index) => {
    const patternField = `${field}.patterns[${index}]`
    if (!(pattern instanceof RegExp)) throw new ValidationError(patternField, 'must be a RegExp', pattern)
    const flags = `${pattern.flags.replace(/[gy]/g, '')}g`
    const global = new RegExp(pattern.source, flags)
    if (global.test('')) {
      throw new ValidationError(patternField, 'must not match the empty string', pattern.toString())
    }
    global.lastIndex = 0
    return global
  })
  return { patterns }
}
