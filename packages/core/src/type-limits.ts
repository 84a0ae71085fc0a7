/**
 * Fleet-wide flow control for one job type: how many of its jobs may run at once and how many may
 * start in any window of time, across every process that claims it, optionally per `limitKey`
 * (`enqueue(type, data, { limitKey: 'tenant:42' })`). The backend enforces them in `claimJobs`;
 * see docs/limits.md for how, what is guaranteed and what it costs.
 */
export interface TypeLimits {
  /** The most jobs of this type active at once across the fleet. An integer from 1 to 100,000. */
  concurrency?: number
  /** The most starts of this type in any window of `perMs` across the fleet (a sliding window). */
  rateLimit?: RateLimit
  /** The same limits for each `limitKey` of this type; jobs without a key are not subject to them. */
  perKey?: PerKeyLimits
}

/** At most `max` starts in any window of `perMs` milliseconds. */
export interface RateLimit {
  /** An integer from 1 to 10,000 (`MAXIMUMS.rateLimitMax`). */
  max: number
  /** The window, in ms: an integer from 100 (`MINIMUMS.rateLimitPerMs`) to 2,147,483,647. */
  perMs: number
}

/** `TypeLimits.perKey`: limits that apply to each `limitKey` on its own. */
export interface PerKeyLimits {
  /** The most active jobs with one key. At most the type's `concurrency` when both are set. */
  concurrency?: number
  rateLimit?: RateLimit
}

/** True when the limits restrict how many jobs run at once (of the type, or per key). */
export function hasConcurrencyLimit(limits: TypeLimits | null | undefined): boolean {
  return limits != null && (limits.concurrency !== undefined || limits.perKey?.concurrency !== undefined)
}

/** True when the limits restrict how many jobs start per window (of the type, or per key). */
export function hasRateLimit(limits: TypeLimits | null | undefined): boolean {
  return limits != null && (limits.rateLimit !== undefined || limits.perKey?.rateLimit !== undefined)
}

/** True when the limits restrict anything at all (`{}` and `{ perKey: {} }` do not). */
export function hasAnyLimit(limits: TypeLimits | null | undefined): limits is TypeLimits {
  return hasConcurrencyLimit(limits) || hasRateLimit(limits)
}
