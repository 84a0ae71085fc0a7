/**
 * The unique index that makes an occurrence a job at most once: `fireSchedule` stores each job's
 * occurrence key (`<schedule id>@<ISO instant>`), and the index refuses a second job with it,
 * finished jobs included, until retention deletes them. Partial on `$type: 'string'`, so the
 * jobs that no schedule wrote (no key) take no room in it.
 */
export const OCCURRENCE_INDEX_NAME = 'durabl_occurrence'

export const OCCURRENCE_PARTIAL_FILTER = { occurrenceKey: { $type: 'string' } } as const

/**
 * The jobs holding any of these occurrence keys. States the index's partial filter itself, so
 * mongod may answer it from `durabl_occurrence` (it does not derive `$type` from an equality).
 */
export function occurrenceKeysQuery(keys: string[]): {
  filter: { occurrenceKey: { $in: string[]; $type: 'string' } }
} {
  return { filter: { occurrenceKey: { $in: keys, $type: 'string' } } }
}
