/** The index recovery reads (see `jobIndexes()`). */
export const LEASE_EXPIRY_INDEX_NAME = 'durabl_lease_expiry'

/** `durabl_lease_expiry` holds only active jobs. */
export const LEASE_EXPIRY_PARTIAL_FILTER = { state: 'active' } as const

/**
 * The active jobs whose lease expired before `now`: `recoverExpiredLeases` probes and updates
 * exactly these, and `durabl indexes check` explains the probe. The filter states the index's
 * partial condition (`state: 'active'`), so any planner can use it.
 */
export function leaseExpiryQuery(now: Date): { filter: { state: 'active'; leaseExpiresAt: { $lt: Date } } } {
  return { filter: { ...LEASE_EXPIRY_PARTIAL_FILTER, leaseExpiresAt: { $lt: now } } }
}
