import type { SetTypeControlParams } from '../backend.js'
import { ValidationError } from '../errors/validation-error.js'
import { isPlainObject, rejectUnknownKeys, requireValidDate } from './rules.js'
import { validateJobType } from './validate-job-type.js'
import { validatePayload } from './validate-payload.js'

/** The most bytes a type control's `limits` may take (they are read by every worker, often). */
export const MAX_TYPE_CONTROL_LIMITS_BYTES = 16 * 1024

/**
 * Checks the params of `ControlStore.setTypeControl` and returns them clean: the type is a job type
 * (`'*'` is one, and means every type), `set` has at least one of `paused` (a boolean) and `limits`
 * (storable JSON up to {@link MAX_TYPE_CONTROL_LIMITS_BYTES}, or null) and nothing else. Shared by
 * the backends, so every one refuses the same input with the same message.
 */
export function validateSetTypeControl(params: unknown, field = 'setTypeControl'): SetTypeControlParams {
  if (!isPlainObject(params)) throw new ValidationError(field, 'must be an object', params)
  const type = validateJobType(params.type, `${field}.type`)
  const now = requireValidDate(`${field}.now`, params.now)
  const set = params.set
  if (!isPlainObject(set)) throw new ValidationError(`${field}.set`, 'must be an object', set)
  rejectUnknownKeys(`${field}.set`, set, ['paused', 'limits'])
  const clean: SetTypeControlParams['set'] = {}
  if (set.paused !== undefined) {
    if (typeof set.paused !== 'boolean')
      throw new ValidationError(`${field}.set.paused`, 'must be a boolean', set.paused)
    clean.paused = set.paused
  }
  if (set.limits !== undefined) {
    validatePayload(set.limits, `${field}.set.limits`, MAX_TYPE_CONTROL_LIMITS_BYTES)
    clean.limits = set.limits
  }
  if (Object.keys(clean).length === 0) {
    throw new ValidationError(`${field}.set`, 'must set paused or limits', set)
  }
  return { type, set: clean, now }
}
