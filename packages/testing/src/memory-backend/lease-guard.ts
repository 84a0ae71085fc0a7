import type { AckResult, DedupeRef, Job, LeaseRef } from '@durabl/core'
import type { StoredJob } from './claim-order.js'
import { assertArray, assertValidDate } from './validate-params.js'

/**
 * The compare-and-set behind every worker write out of `active`: `apply` runs only on a job that
 * is still active under the caller's lease token; any other id (unknown, moved on, re-claimed by
 * another worker) is reported `lost` and nothing changes. Returns each input id with its outcome.
 */
export function applyUnderLease<Ref extends LeaseRef, Outcome extends string>(
  store: ReadonlyMap<string, StoredJob>,
  operation: string,
  refs: Ref[],
  now: Date,
  apply: (job: Job, ref: Ref) => Outcome,
): Array<[string, Outcome | 'lost']> {
  assertValidDate(`${operation}.now`, now)
  assertArray(`${operation}.jobs`, refs)
  return refs.map((ref) => {
    const job = store.get(ref.id)?.job
    if (job === undefined || job.state !== 'active' || job.leaseToken !== ref.leaseToken)
      return [ref.id, 'lost']
    // An ending write that names the job's dedupe key and scope is guarded on them too.
    if (isDedupeRef(ref) && (ref.dedupeKey !== job.dedupeKey || ref.dedupeScope !== job.dedupeScope))
      return [ref.id, 'lost']
    const outcome = apply(job, ref)
    job.updatedAt = new Date(now)
    return [ref.id, outcome]
  })
}

/** {@link applyUnderLease} for writes whose only outcomes are applied and lost. */
export function ackUnderLease<Ref extends LeaseRef>(
  store: ReadonlyMap<string, StoredJob>,
  operation: string,
  refs: Ref[],
  now: Date,
  apply: (job: Job, ref: Ref) => void,
): AckResult {
  const result: AckResult = { applied: [], lost: [] }
  const outcomes = applyUnderLease(store, operation, refs, now, (job, ref) => {
    apply(job, ref)
    return 'applied' as const
  })
  for (const [id, outcome] of outcomes) result[outcome].push(id)
  return result
}

/** Sorts each id into the list named by its outcome (every outcome must have a list in `result`). */
export function sortOutcomes<Outcome extends string, Result extends Record<Outcome | 'lost', string[]>>(
  outcomes: Array<[string, Outcome | 'lost']>,
  result: Result,
): Result {
  for (const [id, outcome] of outcomes) result[outcome].push(id)
  return result
}

function isDedupeRef(ref: object): ref is DedupeRef {
  return 'dedupeKey' in ref || 'dedupeScope' in ref
}
