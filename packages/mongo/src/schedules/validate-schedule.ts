import { ValidationError } from '@durabl/core'
import { assertDate, assertNonEmptyString } from '../validate.js'

/**
 * Guards on the schedule values that reach a query or an update's field names: a schedule id is
 * only ever compared for equality as a plain string, so `{ $ne: null }` never becomes an operator.
 */
export function assertScheduleId(value: unknown, field = 'id'): asserts value is string {
  assertNonEmptyString(value, field)
}

export function assertDateOrNull(value: unknown, field: string): asserts value is Date | null {
  if (value !== null) assertDate(value, field)
}

export function assertBoolean(value: unknown, field: string): asserts value is boolean {
  if (typeof value !== 'boolean') throw new ValidationError(field, 'must be a boolean', value)
}

export function assertObject(value: unknown, field: string): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(field, 'must be an object', value)
  }
}
