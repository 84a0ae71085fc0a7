import { DEDUPE_SCOPES, JOB_STATES, type JobState, ValidationError } from '@durabl/core'
import { ObjectId } from 'mongodb'

/**
 * Guards on every value that reaches a query. A user value is only ever compared for equality
 * after it passed one of these, so `{ $ne: null }` given as an id or a key never becomes an
 * operator.
 */

const OBJECT_ID_PATTERN = /^[0-9a-f]{24}$/i

/** A job id as an ObjectId; rejects anything but a 24-character hex string. */
export function parseJobId(value: unknown, field = 'id'): ObjectId {
  if (typeof value !== 'string' || !OBJECT_ID_PATTERN.test(value)) {
    throw new ValidationError(field, 'must be a 24-character hex string (a job id)', value)
  }
  return ObjectId.createFromHexString(value)
}

export function parseJobIds(values: unknown, field = 'ids'): ObjectId[] {
  if (!Array.isArray(values)) throw new ValidationError(field, 'must be an array of job ids', values)
  return values.map((value, index) => parseJobId(value, `${field}[${index}]`))
}

export function assertString(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string') throw new ValidationError(field, 'must be a string', value)
}

export function assertNonEmptyString(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValidationError(field, 'must be a non-empty string', value)
  }
}

export function assertDate(value: unknown, field: string): asserts value is Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new ValidationError(field, 'must be a valid Date', value)
  }
}

export function assertNonNegativeInteger(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ValidationError(field, 'must be an integer >= 0', value)
  }
}

export function assertPositiveFinite(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ValidationError(field, 'must be a finite number > 0', value)
  }
}

export function assertJobState(value: unknown, field: string): asserts value is JobState {
  if (!JOB_STATES.includes(value as JobState)) {
    throw new ValidationError(field, `must be one of ${JOB_STATES.join(', ')}`, value)
  }
}

export function assertDedupeScope(value: unknown, field: string): void {
  if (!DEDUPE_SCOPES.includes(value as never)) {
    throw new ValidationError(field, `must be one of ${DEDUPE_SCOPES.join(', ')}`, value)
  }
}

/** A lease reference from a worker: the id parsed, the token a string. */
export function parseLeaseRef(
  value: { id: unknown; leaseToken: unknown },
  field: string,
): { _id: ObjectId; leaseToken: string } {
  const _id = parseJobId(value.id, `${field}.id`)
  assertNonEmptyString(value.leaseToken, `${field}.leaseToken`)
  return { _id, leaseToken: value.leaseToken }
}

export function assertArray(value: unknown, field: string): asserts value is unknown[] {
  if (!Array.isArray(value)) throw new ValidationError(field, 'must be an array', value)
}

/**
 * The dedupe key and scope an ending write names, checked before they reach a filter: a key is a
 * string or null, a scope one of the scopes or null (no key).
 */
export function parseDedupeRef(
  value: { dedupeKey?: unknown; dedupeScope?: unknown },
  field: string,
): { key: string | null; scope: 'pending' | 'pending+active' | null } {
  const key = value.dedupeKey ?? null
  const scope = value.dedupeScope ?? null
  if (key !== null) assertString(key, `${field}.dedupeKey`)
  if (scope !== null) assertDedupeScope(scope, `${field}.dedupeScope`)
  return { key: key as string | null, scope: scope as 'pending' | 'pending+active' | null }
}
