import type { Job } from '@durabl/core'
import type { StoredJob } from './claim-order.js'

/**
 * A MemoryBackend's committed jobs by id, with their insertion sequence. Jobs of an open
 * transaction get their id and sequence here but live in the session until commit.
 */
export class JobStore extends Map<string, StoredJob> {
  private nextSequence = 1

  /** Gives a new job its id and insertion sequence without storing it. */
  allocate(job: Job): StoredJob {
    const sequence = this.nextSequence++
    job.id = `job-${sequence}`
    return { job, sequence }
  }

  /** Every stored job, for reading in place (callers copy before handing one out). */
  *jobs(): IterableIterator<Job> {
    for (const stored of this.values()) yield stored.job
  }

  /** The stored jobs with this dedupe key (none for a null key). */
  withKey(dedupeKey: string | null): Job[] {
    if (dedupeKey === null) return []
    return [...this.jobs()].filter((job) => job.dedupeKey === dedupeKey)
  }

  /** Copies of every stored job, oldest first. */
  snapshot(): Job[] {
    return [...this.values()]
      .sort((first, second) => first.sequence - second.sequence)
      .map((stored) => structuredClone(stored.job))
  }
}
