import { ValidationError } from './errors/validation-error.js'
import type { BackoffSpec, Job } from './job.js'
import type { BackoffOption } from './options.js'

/**
 * The exponent is capped so `2 ** (attempt - 1)` stays finite for absurd attempt counts; the
 * delay is capped by `maxMs` long before this matters.
 */
const MAX_EXPONENT = 52

export interface ComputeBackoffDelayParams {
  backoff: BackoffOption
  /** The attempt that failed, 1 for the first. */
  attempt: number
  /** The failure, passed to a backoff function. */
  error: Error
  /** The job, passed to a backoff function. */
  job: Job
  /** A source of uniform numbers in [0, 1) for jitter. @defaultValue Math.random */
  random?: () => number
}

/**
 * Milliseconds to wait before the next attempt.
 * - exponential: `min(maxMs, baseMs * 2^(attempt-1))`; with `jitter: 'full'` a uniform draw from
 *   [0, that] (full jitter spreads retries of jobs that failed together, e.g. during an outage).
 * - fixed: `delayMs` every time.
 * - a function (only from `process()`): its return value, which must be a finite number >= 0.
 */
export function computeBackoffDelay(params: ComputeBackoffDelayParams): number {
  const { backoff, attempt } = params
  if (typeof backoff === 'function') {
    const delayMs = backoff(attempt, params.error, params.job)
    if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) {
      throw new ValidationError(
        'backoff',
        'function must return a finite number of milliseconds >= 0',
        delayMs,
      )
    }
    return delayMs
  }
  return computeSpecDelay(backoff, attempt, params.random ?? Math.random)
}

/** The delay a stored {@link BackoffSpec} gives after `attempt` failed. */
export function computeSpecDelay(
  backoff: BackoffSpec,
  attempt: number,
  random: () => number = Math.random,
): number {
  if (backoff.type === 'fixed') return backoff.delayMs
  const exponent = Math.min(Math.max(attempt - 1, 0), MAX_EXPONENT)
  const ceilingMs = Math.min(backoff.maxMs, backoff.baseMs * 2 ** exponent)
  if (backoff.jitter === 'none') return ceilingMs
  // Clamp: a custom random source returning 1 must not exceed the cap.
  const draw = Math.min(Math.max(random(), 0), 1)
  return Math.round(draw * ceilingMs)
}
