import { type SelectJobsParams, ValidationError } from '@durabl/core'
import type { StoredJob } from './claim-order.js'
import { matchesFilter } from './matches-filter.js'
import { assertValidDate, assertValidFilter } from './validate-params.js'

/**
 * The jobs an admin operation touches: the listed ids that exist (narrowed by the filter when
 * both are given), or every job matching the filter when no ids are given. One of the two is
 * required: an empty selection would touch every job (`filter: {}` selects all on purpose).
 */
export function selectJobs(
  store: ReadonlyMap<string, StoredJob>,
  operation: string,
  params: SelectJobsParams,
): StoredJob[] {
  assertValidDate(`${operation}.now`, params.now)
  assertValidFilter(`${operation}.filter`, params.filter)
  if (params.ids === undefined && params.filter === undefined) {
    throw new ValidationError(
      `${operation}.ids`,
      'or a filter must be given (an empty selection would touch every job)',
      undefined,
    )
  }
  const candidates =
    params.ids === undefined
      ? [...store.values()]
      : params.ids.flatMap((id) => {
          const stored = store.get(id)
          return stored === undefined ? [] : [stored]
        })
  return candidates.filter((stored) => matchesFilter(stored.job, params.filter))
}
