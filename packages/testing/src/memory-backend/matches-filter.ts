import type { Job, JobFilter } from '@durabl/core'

/** True when `job` matches every field the filter sets (an absent or empty filter matches all). */
export function matchesFilter(job: Job, filter: JobFilter | undefined): boolean {
  if (filter === undefined) return true
  if (filter.state !== undefined) {
    const states = Array.isArray(filter.state) ? filter.state : [filter.state]
    if (!states.includes(job.state)) return false
  }
  if (filter.type !== undefined) {
    const types = Array.isArray(filter.type) ? filter.type : [filter.type]
    if (!types.includes(job.type)) return false
  }
  if (filter.dedupeKey !== undefined && job.dedupeKey !== filter.dedupeKey) return false
  if (filter.finishedBefore !== undefined) {
    if (job.finishedAt === null || job.finishedAt.getTime() >= filter.finishedBefore.getTime()) return false
  }
  return true
}
