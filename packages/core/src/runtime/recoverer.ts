import type { Backend, RecoverExpiredLeasesParams } from '../backend.js'
import type { Clock, ClockTimer } from '../clock.js'
import { normalizeError } from '../errors/normalize-error.js'
import type { TypedEventEmitter } from './event-emitter.js'

/** What recovery records on each job whose lease expired. */
export const LEASE_EXPIRED_ERROR: RecoverExpiredLeasesParams['error'] = {
  name: 'LeaseExpiredError',
  message: 'the lease expired before the worker finished',
  code: 'LEASE_EXPIRED',
  stack: null,
  fatal: false,
  at: new Date(0),
}

export interface RecovererParams {
  backend: Backend
  clock: Clock
  events: TypedEventEmitter
  intervalMs: number
}

/**
 * Returns jobs whose worker died (expired lease) to pending (or ends them failed or cancelled, as
 * the backend contract says), once at start and then every
 * `intervalMs`. Every worker runs it; the backend's guarded update makes concurrent runs safe.
 */
export class Recoverer {
  readonly #params: RecovererParams
  #timer: ClockTimer | null = null
  #running: Promise<void> | null = null
  #stopped = true

  constructor(params: RecovererParams) {
    this.#params = params
  }

  start(): void {
    if (!this.#stopped) return
    this.#stopped = false
    void this.#run()
  }

  async stop(): Promise<void> {
    this.#stopped = true
    if (this.#timer !== null) this.#params.clock.clearTimeout(this.#timer)
    this.#timer = null
    await this.#running
  }

  #run(): Promise<void> {
    this.#running = this.#recoverOnce().finally(() => {
      this.#running = null
      if (this.#stopped) return
      this.#timer = this.#params.clock.setTimeout(() => {
        this.#timer = null
        void this.#run()
      }, this.#params.intervalMs)
    })
    return this.#running
  }

  async #recoverOnce(): Promise<void> {
    const { backend, clock, events } = this.#params
    const now = clock.now()
    try {
      const result = await backend.recoverExpiredLeases({ now, error: { ...LEASE_EXPIRED_ERROR, at: now } })
      // A backend written before cancels existed reports no `cancelled`.
      const cancelled = result.cancelled ?? 0
      if (result.recovered > 0 || result.failed > 0 || cancelled > 0) {
        events.emit('stale:recovered', { recovered: result.recovered, failed: result.failed, cancelled })
      }
    } catch (error) {
      events.emit('queue:error', { error: normalizeError(error), operation: 'recoverExpiredLeases' })
    }
  }
}
