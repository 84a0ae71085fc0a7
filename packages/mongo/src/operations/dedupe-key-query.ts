import type { Document } from 'mongodb'

/** The index that finds jobs by dedupe key (see `jobIndexes()`). */
export const DEDUPE_KEY_INDEX_NAME = 'durabl_dedupe_key'

/** `durabl_dedupe_key` holds only jobs whose `dedupeKey` is a string. */
export const DEDUPE_KEY_PARTIAL_FILTER = { dedupeKey: { $type: 'string' } } as const

/** Newest first: the order `durabl_dedupe_key` ({ dedupeKey, _id: -1 }) gives for one key. */
export const DEDUPE_KEY_SORT = { _id: -1 } as const

/**
 * The condition on `dedupeKey` of every query that reads `durabl_dedupe_key`. A query may use a
 * partial index only when the planner can prove it implies the index's filter, and mongod does not
 * prove `$type: 'string'` from an equality on a string; so the condition states the filter itself
 * (`$type: 'string'`) next to the keys, and any planner can use the index.
 */
export function dedupeKeyCondition(keys: readonly string[]): Document {
  return keys.length === 1
    ? { $eq: keys[0], ...DEDUPE_KEY_PARTIAL_FILTER.dedupeKey }
    : { $in: [...keys], ...DEDUPE_KEY_PARTIAL_FILTER.dedupeKey }
}

/**
 * The transactional enqueue's duplicate pre-check: the pending and active jobs holding any of
 * `keys`. `enqueueJobs` runs exactly this; `durabl indexes check` explains it.
 */
export function dedupePrecheckQuery(keys: readonly string[]): { filter: Document } {
  return { filter: { dedupeKey: dedupeKeyCondition(keys), state: { $in: ['pending', 'active'] } } }
}
