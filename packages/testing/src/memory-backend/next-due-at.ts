import type { NextDueAtParams } from '@durabl/core'
import type { StoredJob } from './claim-order.js'
import { assertArray, assertNonEmptyString, assertValidDate } from './validate-params.js'

/** The earliest `runAt` after `now` among pending jobs of the given types, or null. */
export function findNextDueAt(jobs: Iterable<StoredJob>, params: NextDueAtParams): Date | null {
  assertValidDate('nextDueAt.now', params.now)
  assertArray('nextDueAt.types', params.types)
  for (const [index, type] of params.types.entries()) assertNonEmptyString(`nextDueAt.types[${index}]`, type)
  const types = new Set(params.types)
  const nowMs = params.now.getTime()
  let earliestMs = Number.POSITIVE_INFINITY
  for (const { job } of jobs) {
    const runAtMs = job.runAt.getTime()
    if (job.state === 'pending' && types.has(job.type) && runAtMs > nowMs && runAtMs < earliestMs)
      earliestMs = runAtMs
  }
  return earliestMs === Number.POSITIVE_INFINITY ? null : new Date(earliestMs)
}
