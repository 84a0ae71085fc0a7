import type { JobUpdates } from '../backend.js'
import { computeBackoffDelay, computeSpecDelay } from '../backoff.js'
import type { Clock } from '../clock.js'
import { JobCancelledError } from '../errors/job-cancelled-error.js'
import { JobTimeoutError } from '../errors/job-timeout-error.js'
import { LeaseLostError } from '../errors/lease-lost-error.js'
import { normalizeError } from '../errors/normalize-error.js'
import { ShutdownError } from '../errors/shutdown-error.js'
import { UnrecoverableError } from '../errors/unrecoverable-error.js'
import { ValidationError } from '../errors/validation-error.js'
import type { AttemptOutcome, JobQueueHooks } from '../hooks.js'
import type { Job } from '../job.js'
import { type BackoffOption, MAXIMUMS } from '../options.js'
import { redactError, redactSecrets } from '../redaction/redact-secrets.js'
import { validatePayload } from '../validation/validate-payload.js'
import type { AckBatcher } from './ack-batcher.js'
import type { TypedEventEmitter } from './event-emitter.js'
import type { Heartbeater } from './heartbeater.js'
import { runProcessHooks } from './hook-chain.js'
import type { Handler, JobContext } from './job-context.js'
import { type AttemptDecision, RunningAttempt } from './running-attempt.js'
import type { AttemptKind, SlotPool } from './slot-pool.js'
import { snoozeUntil } from './snooze-until.js'
import { toJobError } from './to-job-error.js'

export interface AttemptSettings {
  leaseMs: number
  heartbeatMs: number
  /** Overrides the job's stored backoff (from `process()`); null uses the stored one. */
  backoff: BackoffOption | null
}

export interface AttemptRunnerParams {
  clock: Clock
  events: TypedEventEmitter
  acks: AckBatcher
  heartbeater: Heartbeater
  /** The queue's one record of attempts: begun here, and left once recorded and returned. */
  slots: SlotPool
  maxPayloadBytes: number
  /** Extra secrets to redact from errors and log lines (`JobQueueOptions.redact.patterns`). */
  redactPatterns?: readonly RegExp[]
  hooks: readonly JobQueueHooks[]
  random?: () => number
}

/**
 * Runs attempts and records how they end. The fetcher, the inline runner and `claimOrEnqueue`
 * handles all go through here, so an attempt behaves the same whoever claimed it:
 * `begin()` starts the lease bookkeeping, `decide()` takes the first outcome and records it
 * (acknowledgement, then the event), and `run()` drives a handler through the process hooks.
 */
export class AttemptRunner {
  readonly #params: AttemptRunnerParams
  readonly #settings = new WeakMap<RunningAttempt, AttemptSettings>()

  constructor(params: AttemptRunnerParams) {
    this.#params = params
  }

  begin(job: Job, settings: AttemptSettings, kind: AttemptKind): RunningAttempt {
    const { clock, heartbeater, events } = this.#params
    const now = clock.now()
    const attempt = new RunningAttempt({
      job,
      leaseMs: settings.leaseMs,
      heartbeatMs: settings.heartbeatMs,
      startedAtMs: now.getTime(),
    })
    this.#settings.set(attempt, settings)
    this.#params.slots.add(attempt, kind)
    heartbeater.track(attempt)
    if (job.timeoutMs !== null) {
      const timeoutMs = job.timeoutMs
      const timer = clock.setTimeout(() => {
        const error = new JobTimeoutError(job.id, timeoutMs)
        if (this.decide(attempt, { kind: 'fail', error, fatal: false })) attempt.abort(error)
      }, timeoutMs)
      void attempt.outcome.then(() => clock.clearTimeout(timer))
    }
    events.emit('job:active', { job, waitMs: Math.max(0, now.getTime() - job.runAt.getTime()) })
    return attempt
  }

  /**
   * Runs `handler` for a begun attempt, wrapped in the process hooks. Resolves when the handler
   * returned (or threw) and the outcome was recorded: until then the attempt holds its
   * concurrency slot, so a handler that ignores its signal cannot pile up work in this process.
   */
  /**
   * Runs one attempt and resolves once its outcome is recorded. `onHandlerSettled`, when given, is
   * called as soon as the handler has returned and the outcome is decided, while its
   * acknowledgement may still be on its way (the fetcher frees the slot then).
   */
  async run(attempt: RunningAttempt, handler: Handler, onHandlerSettled?: () => void): Promise<void> {
    const context = this.createContext(attempt)
    let handlerDone: Promise<void> = Promise.resolve()
    let started = false
    const coreNext = async (): Promise<AttemptOutcome> => {
      if (!started) {
        started = true
        handlerDone = this.#invoke(attempt, handler, context)
        if (onHandlerSettled) void handlerDone.then(onHandlerSettled, onHandlerSettled)
      }
      // The outcome may be decided before the handler returns (ctx.complete(), a timeout).
      await Promise.race([handlerDone, attempt.outcome])
      return attempt.outcome
    }
    await runProcessHooks(this.#params.hooks, { job: attempt.job }, coreNext, (hookName, error) =>
      this.#params.events.emit('queue:error', { error, operation: `hook:${hookName}:process` }),
    )
    await coreNext()
    await handlerDone
  }

  /** The handler's view of an attempt; also what a JobHandle delegates to. */
  createContext(attempt: RunningAttempt): JobContext {
    const { clock, events, heartbeater, maxPayloadBytes } = this.#params
    return {
      job: attempt.job,
      signal: attempt.signal,
      complete: (result) => handled(this.#requestComplete(attempt, result)),
      fail: (reason) =>
        handled(this.#request(attempt, { kind: 'fail', error: reasonToError(reason), fatal: false })),
      failFatal: (reason) =>
        handled(this.#request(attempt, { kind: 'fail', error: reasonToError(reason), fatal: true })),
      snooze: (delayMs) => {
        const runAt = snoozeUntil(clock.now(), delayMs)
        return handled(this.#request(attempt, { kind: 'snooze', runAt }))
      },
      log: (message) => {
        if (typeof message !== 'string') throw new ValidationError('message', 'must be a string', message)
        const redacted = redactSecrets(message, this.#params.redactPatterns)
        attempt.addLog({ attempt: attempt.job.attempts, message: redacted, at: clock.now() })
      },
      progress: (value) => {
        validatePayload(value, 'progress', maxPayloadBytes)
        attempt.setProgress(value)
        events.emit('job:progress', { job: attempt.job, progress: value })
      },
      heartbeat: () => handled(heartbeater.heartbeatNow(attempt)),
    }
  }

  /** Takes the first decision for an attempt and records it. False when one was already taken. */
  decide(attempt: RunningAttempt, decision: AttemptDecision): boolean {
    if (!attempt.decide(decision)) return false
    this.#params.heartbeater.untrack(attempt)
    void this.#record(attempt, decision)
    return true
  }

  loseLease(attempt: RunningAttempt): void {
    const error = new LeaseLostError(attempt.id)
    if (this.decide(attempt, { kind: 'lease-lost', error })) attempt.abort(error)
  }

  /**
   * The job was cancelled while it ran: abort the handler's signal with a JobCancelledError and end
   * the job `cancelled` under the lease, whatever the handler then does. False when the attempt's
   * outcome was already decided (that outcome stands: a completion or failure is on its way).
   */
  cancel(attempt: RunningAttempt): boolean {
    const error = new JobCancelledError(attempt.id)
    if (!this.decide(attempt, { kind: 'cancel', error })) return false
    attempt.abort(error)
    return true
  }

  /** Shutdown's grace period ended: give the job back so another worker can start it at once. */
  release(attempt: RunningAttempt): void {
    if (this.decide(attempt, { kind: 'release' })) attempt.abort(new ShutdownError())
  }

  async #invoke(attempt: RunningAttempt, handler: Handler, context: JobContext): Promise<void> {
    try {
      const value = await handler(attempt.job, context)
      if (attempt.isDecided) return
      const result = value === undefined ? null : value
      try {
        validatePayload(result, 'result', this.#params.maxPayloadBytes)
      } catch (error) {
        this.decide(attempt, { kind: 'fail', error: normalizeError(error), fatal: false })
        return
      }
      this.decide(attempt, { kind: 'complete', result })
    } catch (thrown) {
      const error = normalizeError(thrown)
      this.decide(attempt, { kind: 'fail', error, fatal: UnrecoverableError.isInstance(error) })
    }
  }

  async #requestComplete(attempt: RunningAttempt, result: unknown): Promise<void> {
    const stored = result === undefined ? null : result
    if (!attempt.isDecided) validatePayload(stored, 'result', this.#params.maxPayloadBytes)
    return this.#request(attempt, { kind: 'complete', result: stored })
  }

  async #request(attempt: RunningAttempt, decision: AttemptDecision): Promise<void> {
    if (!this.decide(attempt, decision)) {
      if (attempt.isLeaseLost) throw new LeaseLostError(attempt.id)
      return
    }
    const outcome = await attempt.outcome
    if (outcome.status === 'lease-lost') throw outcome.error
  }

  async #record(attempt: RunningAttempt, decision: AttemptDecision): Promise<void> {
    const { clock, events, acks } = this.#params
    const durationMs = () => Math.max(0, clock.now().getTime() - attempt.startedAtMs)
    const lease = {
      id: attempt.id,
      type: attempt.job.type,
      leaseToken: attempt.leaseToken,
      takeUpdates: () => attempt.takeUpdates(),
      restoreUpdates: (updates: JobUpdates) => attempt.restoreUpdates(updates),
    }
    const job = attempt.job
    const dedupe = { dedupeKey: job.dedupeKey, dedupeScope: job.dedupeScope }
    // Ends the job cancelled under the lease: for a cancel decision, and when a cancel requested
    // after the last heartbeat refused a retry or a release (the lease is still ours, nothing was
    // written), so the job never runs again.
    const cancelInstead = async (error: Error) => {
      const jobError = toJobError(error, job.attempts, true, clock.now())
      const result = await acks.cancel({ ...lease, error: jobError })
      if (result === 'lost') return this.#lost(attempt, new LeaseLostError(job.id), durationMs())
      const elapsedMs = durationMs()
      events.emit('job:cancelled', { job, durationMs: elapsedMs })
      attempt.settleOutcome({ status: 'cancelled', error, durationMs: elapsedMs })
    }
    try {
      switch (decision.kind) {
        case 'lease-lost': {
          this.#lost(attempt, decision.error, durationMs())
          return
        }
        case 'cancel': {
          await cancelInstead(decision.error)
          return
        }
        case 'complete': {
          const applied = await acks.complete({ ...lease, result: decision.result })
          if (applied === 'lost') return this.#lost(attempt, new LeaseLostError(job.id), durationMs())
          const outcome = { status: 'completed' as const, result: decision.result, durationMs: durationMs() }
          events.emit('job:completed', { job, result: decision.result, durationMs: outcome.durationMs })
          attempt.settleOutcome(outcome)
          return
        }
        case 'fail': {
          // Secrets go before anything sees the error: backoff, the stored record, events, hooks.
          const error = redactError(decision.error, this.#params.redactPatterns)
          const now = clock.now()
          // The end state is decided here, under the lease: the claim returned the attempts made
          // (this one included) and the cap, so the backend writes it without reading the job.
          const lastAttempt = decision.fatal || job.attempts >= job.maxAttempts
          // Capped at the latest Date: a backoff of "effectively never" (MAX_SAFE_INTEGER) must still
          // be a valid end state, or the write would be refused and hold up the acks batched with it.
          const retryAt = lastAttempt
            ? null
            : new Date(Math.min(now.getTime() + this.#retryDelayMs(attempt, error), MAXIMUMS.dateMs))
          const jobError = toJobError(error, job.attempts, decision.fatal, now)
          const result = await acks.fail({ ...lease, ...dedupe, error: jobError, retryAt })
          if (result === 'lost') return this.#lost(attempt, new LeaseLostError(job.id), durationMs())
          if (result === 'cancelRequested') return await cancelInstead(error)
          const willRetry = result === 'retried'
          const elapsedMs = durationMs()
          events.emit('job:failed', {
            job,
            error,
            willRetry,
            retryAt: willRetry ? retryAt : null,
            durationMs: elapsedMs,
          })
          attempt.settleOutcome({ status: 'failed', error, willRetry, durationMs: elapsedMs })
          return
        }
        case 'snooze': {
          const { runAt } = decision
          const snoozed = await acks.release({ ...lease, ...dedupe, runAt })
          if (snoozed === 'lost') return this.#lost(attempt, new LeaseLostError(job.id), durationMs())
          if (snoozed === 'cancelRequested') return await cancelInstead(new JobCancelledError(job.id))
          events.emit('job:snoozed', { job, runAt })
          attempt.settleOutcome({ status: 'snoozed', runAt, durationMs: durationMs() })
          return
        }
        case 'release': {
          const released = await acks.release({ ...lease, ...dedupe })
          if (released === 'lost') return this.#lost(attempt, new LeaseLostError(job.id), durationMs())
          if (released === 'cancelRequested') return await cancelInstead(new JobCancelledError(job.id))
          events.emit('job:released', { job })
          attempt.settleOutcome({ status: 'released', durationMs: durationMs() })
          return
        }
      }
    } catch (error) {
      // Only a write given up at shutdown gets here: it failed on every drain attempt (reported as
      // queue:error) or the shutdown deadline passed (in the shutdown report). The lease will
      // expire and recovery will run the job again: at-least-once.
      const normalized = normalizeError(error)
      attempt.markLeaseLost()
      attempt.abort(normalized)
      attempt.settleOutcome({ status: 'lease-lost', error: normalized, durationMs: durationMs() })
    } finally {
      this.#params.slots.recorded(attempt)
    }
  }

  #lost(attempt: RunningAttempt, error: Error, durationMs: number): void {
    attempt.markLeaseLost()
    attempt.abort(error)
    this.#params.events.emit('lease:lost', { job: attempt.job })
    attempt.settleOutcome({ status: 'lease-lost', error, durationMs })
  }

  #retryDelayMs(attempt: RunningAttempt, error: Error): number {
    const job = attempt.job
    const override = this.#settings.get(attempt)?.backoff ?? null
    try {
      return computeBackoffDelay({
        backoff: override ?? job.backoff,
        attempt: job.attempts,
        error,
        job,
        random: this.#params.random,
      })
    } catch (backoffError) {
      // A broken backoff function must not lose the failure: fall back to the stored policy.
      this.#params.events.emit('queue:error', { error: normalizeError(backoffError), operation: 'backoff' })
      return computeSpecDelay(job.backoff, job.attempts, this.#params.random)
    }
  }
}

/** Marks a promise handled (a call nobody awaits must not crash the process) and returns it unchanged. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {})
  return promise
}

function reasonToError(reason: unknown): Error {
  return normalizeError(reason)
}
