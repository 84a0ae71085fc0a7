import type { Document } from 'mongodb'

/**
 * The claim query of `@durabl/mongo`, mirrored from `operations/claim-jobs.ts` because the package
 * does not export a builder for it. Keep the two in step: a claim reads
 * `find({ state: 'pending', type: <one> | { $in: types }, runAt: { $lte: now } })` sorted by
 * `CLAIM_SORT` with a limit of the claim window.
 */
export const CLAIM_SORT = { priority: 1, runAt: 1, _id: 1 } as const

/** The index the claim query must use. */
export const CLAIM_INDEX_NAME = 'durabl_claim'

/** A typical claim window: a batch of 10 at the default spread of 8. */
export const CLAIM_EXPLAIN_LIMIT = 80

export function claimFilter(types: string[], now: Date): Document {
  const filter: Document = { state: 'pending', type: types.length === 1 ? types[0] : { $in: types } }
  filter.runAt = { $lte: now }
  return filter
}
