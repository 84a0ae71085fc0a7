import type { JobUpdates } from '../backend.js'
import type { AttemptOutcome } from '../hooks.js'
import type { Job, JobLogEntry } from '../job.js'

/**
 * How an attempt ends, decided once. The first decision wins; every later call to
 * `ctx.complete()`, `ctx.fail()`, a handler's return or throw, a timeout, a cancel or a shutdown
 * release is a no-op for the outcome.
 */
export type AttemptDecision =
  | { kind: 'complete'; result: unknown }
  | { kind: 'fail'; error: Error; fatal: boolean }
  | { kind: 'release' }
  /** The handler snoozed the job: give it back, due at `runAt`, the attempt not counted. */
  | { kind: 'snooze'; runAt: Date }
  /** The job was cancelled while it ran: end it `cancelled`, recording `error`. */
  | { kind: 'cancel'; error: Error }
  | { kind: 'lease-lost'; error: Error }

export interface RunningAttemptParams {
  job: Job
  leaseMs: number
  heartbeatMs: number
  /** The clock time at which the attempt started, in ms since the epoch. */
  startedAtMs: number
}

/**
 * One attempt this worker holds a lease for: the lease bookkeeping the heartbeater needs, the
 * progress and log lines buffered until the next write, the abort signal handed to the handler,
 * and the single decision about how the attempt ends.
 */
export class RunningAttempt {
  readonly job: Job
  readonly leaseToken: string
  readonly leaseMs: number
  readonly heartbeatMs: number
  readonly startedAtMs: number
  readonly controller = new AbortController()
  /**
   * When this worker must assume the lease is gone if no heartbeat succeeded: the backend's
   * `leaseExpiresAt` at claim, then the send time of the last applied heartbeat plus `leaseMs`
   * (the send time, not the reply time, so a slow reply never makes us overestimate the lease).
   */
  localLeaseDeadlineMs: number
  nextHeartbeatAtMs: number
  #decision: AttemptDecision | null = null
  #progress: { value: unknown } | null = null
  #logs: JobLogEntry[] = []
  #resolveOutcome!: (outcome: AttemptOutcome) => void
  /** Resolves once the decision was recorded (or found lost). Never rejects. */
  readonly outcome: Promise<AttemptOutcome>
  #outcomeSettled = false
  #leaseLost = false

  constructor(params: RunningAttemptParams) {
    if (params.job.leaseToken === null)
      throw new Error(`job ${params.job.id} was handed over without a lease token`)
    this.job = params.job
    this.leaseToken = params.job.leaseToken
    this.leaseMs = params.leaseMs
    this.heartbeatMs = params.heartbeatMs
    this.startedAtMs = params.startedAtMs
    this.localLeaseDeadlineMs = params.job.leaseExpiresAt?.getTime() ?? params.startedAtMs + params.leaseMs
    this.nextHeartbeatAtMs = params.startedAtMs + params.heartbeatMs
    this.outcome = new Promise((resolve) => {
      this.#resolveOutcome = resolve
    })
  }

  get id(): string {
    return this.job.id
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  get decision(): AttemptDecision | null {
    return this.#decision
  }

  get isDecided(): boolean {
    return this.#decision !== null
  }

  get isOutcomeRecorded(): boolean {
    return this.#outcomeSettled
  }

  /** Records how the attempt ends. Returns false (and changes nothing) when it was already decided. */
  decide(decision: AttemptDecision): boolean {
    if (this.#decision !== null) return false
    this.#decision = decision
    return true
  }

  /** True once this worker knows it no longer holds the lease (whatever was decided before). */
  get isLeaseLost(): boolean {
    return this.#leaseLost
  }

  markLeaseLost(): void {
    this.#leaseLost = true
  }

  /** Aborts the handler's signal with `reason` unless it was already aborted. */
  abort(reason: Error): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason)
  }

  settleOutcome(outcome: AttemptOutcome): void {
    if (this.#outcomeSettled) return
    this.#outcomeSettled = true
    this.#resolveOutcome(outcome)
  }

  setProgress(value: unknown): void {
    this.#progress = { value }
  }

  get latestProgress(): unknown {
    return this.#progress ? this.#progress.value : this.job.progress
  }

  addLog(entry: JobLogEntry): void {
    this.#logs.push(entry)
  }

  /** Takes the buffered progress and logs for a write; give them back with `restoreUpdates` if it fails. */
  takeUpdates(): JobUpdates {
    const updates: JobUpdates = {}
    if (this.#progress) {
      updates.progress = this.#progress.value
      this.#progress = null
    }
    if (this.#logs.length > 0) {
      updates.logs = this.#logs
      this.#logs = []
    }
    return updates
  }

  /** Puts back updates whose write failed, keeping newer progress and the log order. */
  restoreUpdates(updates: JobUpdates): void {
    if ('progress' in updates && this.#progress === null) this.#progress = { value: updates.progress }
    if (updates.logs && updates.logs.length > 0) this.#logs = [...updates.logs, ...this.#logs]
  }
}
