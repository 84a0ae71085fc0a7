import { DEDUPE_SCOPES, JOB_STATES, type JobFilter, type NewJob, ValidationError } from '@durabl/core'

/**
 * Defensive checks on what callers hand a backend. The runtime validates user input first; these
 * catch a caller (or a test) that skipped it, with a message naming the field, the rule and the value.
 */

export function assertValidDate(field: string, value: unknown): asserts value is Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new ValidationError(field, 'must be a valid Date', value)
  }
}

export function assertPositiveInteger(field: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ValidationError(field, 'must be a positive integer', value)
  }
}

export function assertNonNegativeInteger(field: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ValidationError(field, 'must be an integer >= 0', value)
  }
}

export function assertNonEmptyString(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValidationError(field, 'must be a non-empty string', value)
  }
}

export function assertArray(field: string, value: unknown): asserts value is unknown[] {
  if (!Array.isArray(value)) throw new ValidationError(field, 'must be an array', value)
}

/** Checks the fields of a job to be written; `field` names it in messages, such as `enqueueJobs.jobs[2]`. */
export function assertValidNewJob(field: string, job: NewJob): void {
  if (typeof job !== 'object' || job === null) throw new ValidationError(field, 'must be an object', job)
  assertNonEmptyString(`${field}.type`, job.type)
  if (!Number.isInteger(job.priority)) {
    throw new ValidationError(`${field}.priority`, 'must be a finite integer', job.priority)
  }
  assertValidDate(`${field}.runAt`, job.runAt)
  assertPositiveInteger(`${field}.maxAttempts`, job.maxAttempts)
  if (job.timeoutMs !== null && !(typeof job.timeoutMs === 'number' && job.timeoutMs > 0)) {
    throw new ValidationError(`${field}.timeoutMs`, 'must be a positive number or null', job.timeoutMs)
  }
  if (job.dedupeKey !== null) assertNonEmptyString(`${field}.dedupeKey`, job.dedupeKey)
  if (job.dedupeScope !== null && !DEDUPE_SCOPES.includes(job.dedupeScope)) {
    throw new ValidationError(
      `${field}.dedupeScope`,
      `must be one of ${DEDUPE_SCOPES.join(', ')}`,
      job.dedupeScope,
    )
  }
  if (typeof job.backoff !== 'object' || job.backoff === null) {
    throw new ValidationError(`${field}.backoff`, 'must be a backoff spec', job.backoff)
  }
  if (typeof job.metadata !== 'object' || job.metadata === null) {
    throw new ValidationError(`${field}.metadata`, 'must be an object of strings', job.metadata)
  }
}

/** Checks a list filter's states and dates. */
export function assertValidFilter(field: string, filter: JobFilter | undefined): void {
  if (filter === undefined) return
  const states = filter.state === undefined ? [] : Array.isArray(filter.state) ? filter.state : [filter.state]
  for (const state of states) {
    if (!JOB_STATES.includes(state)) {
      throw new ValidationError(`${field}.state`, `must be one of ${JOB_STATES.join(', ')}`, state)
    }
  }
  if (filter.finishedBefore !== undefined) assertValidDate(`${field}.finishedBefore`, filter.finishedBefore)
}
