import {
  type ClaimJobsParams,
  hasAnyLimit,
  resolveTypeLimits,
  type TypeLimits,
  ValidationError,
} from '@durabl/core'
import {
  assertArray,
  assertNonEmptyString,
  assertNonNegativeInteger,
  assertPositiveInteger,
  assertValidDate,
} from './validate-params.js'

/** What one claim may still take of a type. */
export interface ClaimTypeBudget {
  limit: number
  leaseMs: number
  taken: number
  /** The type's fleet-wide limits (validated), or null when it has none. */
  limits: TypeLimits | null
}

/**
 * Checks a claim's params and returns each requested type's budget. A type limit of 0 is allowed
 * (nothing of that type); the overall limit must be at least 1.
 */
export function resolveClaimLimits(params: ClaimJobsParams): Map<string, ClaimTypeBudget> {
  assertValidDate('claimJobs.now', params.now)
  assertPositiveInteger('claimJobs.limit', params.limit)
  assertNonEmptyString('claimJobs.workerId', params.workerId)
  assertArray('claimJobs.types', params.types)
  const budgets = new Map<string, ClaimTypeBudget>()
  for (const [index, entry] of params.types.entries()) {
    assertNonEmptyString(`claimJobs.types[${index}].type`, entry.type)
    assertNonNegativeInteger(`claimJobs.types[${index}].limit`, entry.limit)
    assertPositiveInteger(`claimJobs.types[${index}].leaseMs`, entry.leaseMs)
    if (budgets.has(entry.type)) {
      throw new ValidationError(`claimJobs.types[${index}].type`, 'must appear once in types', entry.type)
    }
    const limits =
      entry.limits == null ? null : resolveTypeLimits(entry.limits, `claimJobs.types[${index}].limits`)
    budgets.set(entry.type, {
      limit: entry.limit,
      leaseMs: entry.leaseMs,
      taken: 0,
      limits: hasAnyLimit(limits) ? limits : null,
    })
  }
  return budgets
}
