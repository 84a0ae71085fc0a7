import { ValidationError } from '../errors/validation-error.js'
import type { JobMetadata } from '../job.js'
import { isPlainObject } from './rules.js'

/**
 * Metadata is string → string (trace context, tenant ids). Anything else would need a schema the
 * backends do not have, so it is rejected here rather than coerced.
 */
export function validateMetadata(field: string, value: unknown): JobMetadata {
  if (!isPlainObject(value)) throw new ValidationError(field, 'must be a plain object of strings', value)
  const metadata: JobMetadata = {}
  for (const [key, entry] of Object.entries(value)) {
    if (key.length === 0) throw new ValidationError(field, 'must not have an empty key', key)
    if (typeof entry !== 'string') throw new ValidationError(`${field}.${key}`, 'must be a string', entry)
    metadata[key] = entry
  }
  return metadata
}
