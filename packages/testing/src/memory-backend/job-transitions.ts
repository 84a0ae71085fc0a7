import type { Job, JobError, PushWake } from '@durabl/core'
import { appendCapped, clearLease } from './job-record.js'
import type { JobStore } from './job-store.js'
import type { PushHub } from './push-hub.js'

/**
 * The state changes shared by several backend methods, with the wake-ups they cause. Callers
 * have already checked that the transition is allowed (and the lease, where one is required).
 */
export class JobTransitions {
  constructor(
    private readonly store: JobStore,
    private readonly push: PushHub,
    private readonly maxErrorHistory: number,
  ) {}

  recordError(job: Job, error: JobError): void {
    job.lastError = error
    job.errors = appendCapped(job.errors, [error], this.maxErrorHistory)
  }

  finish(job: Job, state: 'completed' | 'failed' | 'cancelled', now: Date): void {
    const leftActive = job.state === 'active'
    job.state = state
    job.finishedAt = new Date(now)
    job.updatedAt = new Date(now)
    clearLease(job)
    // A pending job with the same key may have waited for this one (single-flight).
    if (leftActive) this.wakeWaitingOnKey(job.dedupeKey, now)
  }

  /**
   * Back to pending after a retry, release, recovery or rerun. A job coming back from `active` is
   * not checked against its dedupe key: dropping it would lose work, and only the claim needs to
   * hold single-flight.
   */
  returnToPending(job: Job, runAt: Date, now: Date): void {
    job.state = 'pending'
    job.runAt = new Date(runAt)
    job.updatedAt = new Date(now)
    clearLease(job)
    this.wake([{ type: job.type, runAt: new Date(runAt) }])
    this.wakeWaitingOnKey(job.dedupeKey, now)
  }

  wake(wakes: PushWake[]): void {
    this.push.wake(wakes)
  }

  private wakeWaitingOnKey(dedupeKey: string | null, now: Date): void {
    const waiting = this.store.withKey(dedupeKey).filter((job) => job.state === 'pending')
    this.wake(
      waiting.map((job) => ({
        type: job.type,
        runAt: new Date(Math.max(job.runAt.getTime(), now.getTime())),
      })),
    )
  }
}
