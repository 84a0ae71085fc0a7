import type { Document } from 'mongodb'

/** The sort that `durabl_claim` serves: lower priority first, then earlier runAt, then insertion. */
export const CLAIM_SORT = { priority: 1, runAt: 1, _id: 1 } as const

/** The index every claim reads through (see `jobIndexes()`). */
export const CLAIM_INDEX_NAME = 'durabl_claim'

/**
 * The filter and sort of a claim's candidate read: due pending jobs of the given types, in claim
 * order. `claimJobs` runs exactly this; `durabl indexes check` explains it, so the two cannot drift.
 * No `$or`: equality on state and type (one value or `$in`), a range on runAt, then the sort.
 *
 * `excludedKeys` (type → limit keys) leaves out the jobs of keys whose limit is reached, so a
 * backlog of one key does not fill the window ahead of other keys' jobs. The index still serves
 * the read; the server filters those jobs out after reading them.
 */
export function claimQuery(
  types: readonly string[],
  now: Date,
  excludedKeys?: ReadonlyMap<string, readonly string[]>,
): { filter: Document; sort: typeof CLAIM_SORT } {
  const filter: Document = {
    state: 'pending',
    type: types.length === 1 ? types[0] : { $in: [...types] },
    runAt: { $lte: now },
  }
  const exclusions = [...(excludedKeys ?? [])].filter(
    ([type, keys]) => keys.length > 0 && types.includes(type),
  )
  if (exclusions.length === 1 && types.length === 1) {
    // One type: a plain `$nin` on the key (a job without a key is never excluded).
    filter.limitKey = { $nin: [...(exclusions[0]?.[1] ?? [])] }
  } else if (exclusions.length > 0) {
    filter.$nor = exclusions.map(([type, keys]) => ({ type, limitKey: { $in: [...keys] } }))
  }
  return { filter, sort: CLAIM_SORT }
}
