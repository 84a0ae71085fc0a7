import type { Document } from 'mongodb'

/** The sort that `durabl_claim` serves: lower priority first, then earlier runAt, then insertion. */
export const CLAIM_SORT = { priority: 1, runAt: 1, _id: 1 } as const

/** The index every claim reads through (see `jobIndexes()`). */
export const CLAIM_INDEX_NAME = 'durabl_claim'

/**
 * The filter and sort of a claim's candidate read: due pending jobs of the given types, in claim
 * order. `claimJobs` runs exactly this; `durabl indexes check` explains it, so the two cannot drift.
 * No `$or`: equality on state and type (one value or `$in`), a range on runAt, then the sort.
 */
export function claimQuery(
  types: readonly string[],
  now: Date,
): { filter: Document; sort: typeof CLAIM_SORT } {
  return {
    filter: {
      state: 'pending',
      type: types.length === 1 ? types[0] : { $in: [...types] },
      runAt: { $lte: now },
    },
    sort: CLAIM_SORT,
  }
}
