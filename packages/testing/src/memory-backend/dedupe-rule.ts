import { DEFAULTS, type DedupeScope, type Job, type JobState } from '@durabl/core'

/** The fields the dedupe rule reads. */
export interface DedupeCandidate {
  id?: string
  dedupeKey: string | null
  dedupeScope: DedupeScope | null
  state: JobState
}

/** A key given without a scope is held with the default scope. */
export function scopeOf(job: Pick<DedupeCandidate, 'dedupeScope'>): DedupeScope {
  return job.dedupeScope ?? DEFAULTS.dedupeScope
}

function holdsKey(job: DedupeCandidate): boolean {
  return job.dedupeKey !== null && (job.state === 'pending' || job.state === 'active')
}

/**
 * The one dedupe rule, read pairwise: two jobs with the same key may both be pending or active
 * only when both have scope `'pending'` and exactly one of them is active. Everything else
 * follows from it — at most one pending job per key; `'pending+active'` allows one job in
 * pending∪active; a `'pending'` job is not claimed while another job with its key is active.
 * Checking both jobs' scopes keeps each job's own promise when scopes are mixed.
 */
export function canCoexist(first: DedupeCandidate, second: DedupeCandidate): boolean {
  if (!holdsKey(first) || !holdsKey(second) || first.dedupeKey !== second.dedupeKey) return true
  if (scopeOf(first) !== 'pending' || scopeOf(second) !== 'pending') return false
  return (first.state === 'active') !== (second.state === 'active')
}

/** The first job that `candidate` (in its intended state) could not coexist with, or undefined. */
export function findDedupeConflict(candidate: DedupeCandidate, jobs: Iterable<Job>): Job | undefined {
  if (candidate.dedupeKey === null) return undefined
  for (const job of jobs) {
    if (job.id === candidate.id) continue
    if (!canCoexist(candidate, job)) return job
  }
  return undefined
}
