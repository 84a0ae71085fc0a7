import type { Backend, JobUpdates } from '../backend.js'
import type { Clock, ClockTimer } from '../clock.js'
import { JobCancelledError } from '../errors/job-cancelled-error.js'
import { LeaseLostError } from '../errors/lease-lost-error.js'
import { normalizeError } from '../errors/normalize-error.js'
import type { RunningAttempt } from './running-attempt.js'

/** After a failed heartbeat, try again this soon (or at the job's own heartbeat interval if shorter). */
export const HEARTBEAT_RETRY_MS = 1_000

export interface HeartbeaterParams {
  backend: Backend
  clock: Clock
  /** The lease is gone: the backend said so, or the local deadline passed without a successful heartbeat. */
  onLeaseLost(attempt: RunningAttempt): void
  /** The backend said the job's cancel was requested: the lease is still held, the attempt must end. */
  onCancelRequested(attempt: RunningAttempt): void
  onError(error: Error, operation: string): void
}

/**
 * Extends the leases of every running attempt with one batched `heartbeatJobs` call per tick,
 * carrying buffered progress and logs. One clock timer, set for the earliest heartbeat or local
 * lease deadline. Attempts whose outcome is decided are no longer heartbeated: their
 * acknowledgement is on its way, and it is guarded by the same lease. A heartbeat is also how a
 * worker learns that a running job was cancelled from elsewhere (`cancelRequested`).
 */
export class Heartbeater {
  readonly #backend: Backend
  readonly #clock: Clock
  readonly #onLeaseLost: (attempt: RunningAttempt) => void
  readonly #onCancelRequested: (attempt: RunningAttempt) => void
  readonly #onError: (error: Error, operation: string) => void
  readonly #attempts = new Set<RunningAttempt>()
  #timer: ClockTimer | null = null
  #timerAtMs = Number.POSITIVE_INFINITY
  #inFlight = false
  /** The batched heartbeat waiting for the backend, if any. */
  #sending: Promise<void> | null = null
  #stopped = false

  constructor(params: HeartbeaterParams) {
    this.#backend = params.backend
    this.#clock = params.clock
    this.#onLeaseLost = params.onLeaseLost
    this.#onCancelRequested = params.onCancelRequested
    this.#onError = params.onError
  }

  track(attempt: RunningAttempt): void {
    if (this.#stopped) return
    this.#attempts.add(attempt)
    this.#reschedule()
  }

  untrack(attempt: RunningAttempt): void {
    this.#attempts.delete(attempt)
  }

  /**
   * `ctx.heartbeat()`: extends this one lease now. Rejects with LeaseLostError when the lease is
   * gone (and reports the loss), with JobCancelledError when the job's cancel was requested (and
   * reports that), or with the backend's error when the write failed.
   */
  async heartbeatNow(attempt: RunningAttempt): Promise<void> {
    if (attempt.isLeaseLost) throw new LeaseLostError(attempt.id)
    if (attempt.decision?.kind === 'cancel') throw new JobCancelledError(attempt.id)
    if (attempt.isDecided) return
    const sentAtMs = this.#clock.now().getTime()
    const updates = attempt.takeUpdates()
    let lost: boolean
    let cancelRequested: boolean
    try {
      const result = await this.#backend.heartbeatJobs({
        jobs: [{ id: attempt.id, leaseToken: attempt.leaseToken, leaseMs: attempt.leaseMs, ...updates }],
        now: new Date(sentAtMs),
      })
      cancelRequested = result.cancelRequested?.includes(attempt.id) === true
      lost = !cancelRequested && !result.applied.includes(attempt.id)
    } catch (error) {
      attempt.restoreUpdates(updates)
      throw normalizeError(error)
    }
    if (cancelRequested) {
      this.#cancelRequested(attempt, updates)
      throw new JobCancelledError(attempt.id)
    }
    if (lost) {
      this.#onLeaseLost(attempt)
      throw new LeaseLostError(attempt.id)
    }
    this.#extended(attempt, sentAtMs)
  }

  /** Resolves once no batched heartbeat waits for the backend (shutdown races it against its deadline). */
  async idle(): Promise<void> {
    while (this.#sending !== null) await this.#sending
  }

  stop(): void {
    this.#stopped = true
    this.#attempts.clear()
    this.#clearTimer()
  }

  async #tick(): Promise<void> {
    if (this.#stopped || this.#inFlight) return
    const nowMs = this.#clock.now().getTime()
    const due: RunningAttempt[] = []
    for (const attempt of this.#attempts) {
      if (attempt.isDecided) {
        this.#attempts.delete(attempt)
      } else if (nowMs >= attempt.localLeaseDeadlineMs) {
        // Heartbeats kept failing and the lease has run out: another worker may already run this
        // job after recovery, so stop this attempt rather than finish it twice.
        this.#attempts.delete(attempt)
        this.#onLeaseLost(attempt)
      } else if (nowMs >= attempt.nextHeartbeatAtMs) {
        due.push(attempt)
      }
    }
    if (due.length > 0) {
      this.#sending = this.#send(due, nowMs)
      await this.#sending
      this.#sending = null
    }
    this.#reschedule()
  }

  async #send(due: RunningAttempt[], sentAtMs: number): Promise<void> {
    this.#inFlight = true
    const batch = due.map((attempt) => ({ attempt, updates: attempt.takeUpdates() }))
    try {
      const result = await this.#backend.heartbeatJobs({
        jobs: batch.map(({ attempt, updates }) => ({
          id: attempt.id,
          leaseToken: attempt.leaseToken,
          leaseMs: attempt.leaseMs,
          ...updates,
        })),
        now: new Date(sentAtMs),
      })
      const applied = new Set(result.applied)
      const cancelRequested = new Set(result.cancelRequested ?? [])
      for (const { attempt, updates } of batch) {
        if (applied.has(attempt.id)) {
          this.#extended(attempt, sentAtMs)
        } else if (cancelRequested.has(attempt.id)) {
          this.#cancelRequested(attempt, updates)
        } else if (!attempt.isDecided) {
          this.#attempts.delete(attempt)
          this.#onLeaseLost(attempt)
        }
      }
    } catch (error) {
      this.#onError(normalizeError(error), 'heartbeatJobs')
      const retryAtMs = this.#clock.now().getTime()
      for (const { attempt, updates } of batch) {
        attempt.restoreUpdates(updates)
        attempt.nextHeartbeatAtMs = retryAtMs + Math.min(attempt.heartbeatMs, HEARTBEAT_RETRY_MS)
      }
    } finally {
      this.#inFlight = false
    }
  }

  /** Nothing of the heartbeat was written: its progress and logs go with the cancel instead. */
  #cancelRequested(attempt: RunningAttempt, updates: JobUpdates): void {
    attempt.restoreUpdates(updates)
    this.#attempts.delete(attempt)
    this.#onCancelRequested(attempt)
  }

  #extended(attempt: RunningAttempt, sentAtMs: number): void {
    attempt.localLeaseDeadlineMs = Math.max(attempt.localLeaseDeadlineMs, sentAtMs + attempt.leaseMs)
    attempt.nextHeartbeatAtMs = sentAtMs + attempt.heartbeatMs
    this.#reschedule()
  }

  /** One timer, for the earliest heartbeat or local lease deadline among running attempts. */
  #reschedule(): void {
    if (this.#stopped || this.#inFlight) return
    let earliestMs = Number.POSITIVE_INFINITY
    for (const attempt of this.#attempts) {
      if (attempt.isDecided) continue
      earliestMs = Math.min(earliestMs, attempt.nextHeartbeatAtMs, attempt.localLeaseDeadlineMs)
    }
    if (earliestMs === Number.POSITIVE_INFINITY) {
      this.#clearTimer()
      return
    }
    if (this.#timer !== null && this.#timerAtMs <= earliestMs) return
    this.#clearTimer()
    const delayMs = Math.max(0, earliestMs - this.#clock.now().getTime())
    this.#timerAtMs = earliestMs
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null
      this.#timerAtMs = Number.POSITIVE_INFINITY
      void this.#tick()
    }, delayMs)
  }

  #clearTimer(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer)
    this.#timer = null
    this.#timerAtMs = Number.POSITIVE_INFINITY
  }
}
