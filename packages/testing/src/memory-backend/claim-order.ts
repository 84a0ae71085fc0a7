import type { Job } from '@durabl/core'

/** A stored job and its insertion sequence (the tie-breaker for claims and the order of lists). */
export interface StoredJob {
  job: Job
  sequence: number
}

/** The claim order: lower priority first, then earlier `runAt`, then insertion order. */
export function compareClaimOrder(first: StoredJob, second: StoredJob): number {
  return (
    first.job.priority - second.job.priority ||
    first.job.runAt.getTime() - second.job.runAt.getTime() ||
    first.sequence - second.sequence
  )
}
