import { type Job, type JobUpdates, type NewJob, PayloadError, pendingJobFields } from '@durabl/core'

/**
 * A deep copy, so a caller mutating what it passed in or got back never changes what is stored
 * (the copy a real database makes by serialising). Values that cannot be copied are a PayloadError.
 */
export function copyValue<T>(value: T, path: string): T {
  try {
    return structuredClone(value)
  } catch (error) {
    throw new PayloadError(
      path,
      `cannot be stored: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
}

/** The stored form of a new job: pending, no attempts, no lease. */
export function createJob(newJob: NewJob, id: string, now: Date): Job {
  return {
    ...pendingJobFields(newJob, new Date(now)),
    id,
    // Copies, so the caller's objects and the stored job never share anything.
    data: copyValue(newJob.data, 'data'),
    runAt: new Date(newJob.runAt),
    backoff: copyValue(newJob.backoff, 'backoff'),
    metadata: copyValue(newJob.metadata, 'metadata'),
    updatedAt: new Date(now),
  }
}

/** Appends and keeps only the newest `max` entries, oldest first. */
export function appendCapped<T>(list: T[], added: readonly T[], max: number): T[] {
  const combined = [...list, ...added]
  return combined.length > max ? combined.slice(combined.length - max) : combined
}

/** Stores the progress and log lines a worker sent with a lease-guarded write. */
export function applyUpdates(job: Job, updates: JobUpdates, maxLogEntries: number): void {
  if ('progress' in updates && updates.progress !== undefined)
    job.progress = copyValue(updates.progress, 'progress')
  if (updates.logs !== undefined && updates.logs.length > 0) {
    job.logs = appendCapped(job.logs, copyValue(updates.logs, 'logs'), maxLogEntries)
  }
}

/** Starts an attempt: active, one more attempt, a fresh fencing token. */
export function startAttempt(job: Job, lease: { leaseMs: number; workerId: string; now: Date }): void {
  job.state = 'active'
  job.attempts += 1
  job.leaseToken = crypto.randomUUID()
  job.workerId = lease.workerId
  job.startedAt = new Date(lease.now)
  job.leaseExpiresAt = new Date(lease.now.getTime() + lease.leaseMs)
  job.updatedAt = new Date(lease.now)
}

/** Drops the lease fields when a job leaves `active`. */
export function clearLease(job: Job): void {
  job.leaseToken = null
  job.leaseExpiresAt = null
  job.workerId = null
}
