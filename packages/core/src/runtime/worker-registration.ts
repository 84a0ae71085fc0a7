import { hostname } from 'node:os'
import type { Backend, WorkerInfo, WorkerRegistry } from '../backend.js'
import type { Clock, ClockTimer } from '../clock.js'
import { normalizeError } from '../errors/normalize-error.js'
import { NotSupportedError } from '../errors/not-supported-error.js'
import { DURABL_VERSION } from '../version.js'
import type { TypedEventEmitter } from './event-emitter.js'

/** A registered queue stays listed this many registration intervals after its latest write. */
export const WORKER_EXPIRY_INTERVALS = 3

export interface WorkerRegistrationParams {
  registry: WorkerRegistry
  clock: Clock
  events: TypedEventEmitter
  workerId: string
  intervalMs: number
  instanceConcurrency: number
  /** Read at every registration, so a processor added after start is announced. */
  types(): Array<{ type: string; concurrency: number }>
  runsSchedules(): boolean
}

/**
 * Keeps a started queue's entry in the backend's worker registry: one write at start, then one
 * every `intervalMs` on the queue's clock, and one delete at stop. `refresh()` (a processor was
 * added) writes again soon; refreshes made while a write is pending or in flight share one write,
 * and a write re-arms the timer, so an idle queue costs exactly one write per interval. A failed
 * write is reported as `queue:error` (`workers.register`) and tried again at the next interval;
 * nothing else stops.
 */
export class WorkerRegistration {
  readonly #params: WorkerRegistrationParams
  #startedAt: Date | null = null
  #timer: ClockTimer | null = null
  #writes: Promise<void> = Promise.resolve()
  #queued = false
  #stopped = false

  constructor(params: WorkerRegistrationParams) {
    this.#params = params
  }

  /** Writes the entry; resolves once the first write landed (or failed and was reported). */
  start(): Promise<void> {
    this.#startedAt ??= this.#params.clock.now()
    this.refresh()
    return this.#writes
  }

  /** Writes the entry again after the current write, if any. */
  refresh(): void {
    if (this.#stopped || this.#startedAt === null || this.#queued) return
    this.#queued = true
    this.#writes = this.#writes.then(() => this.#register())
  }

  /** Stops the timer, lets a write in flight finish, then deletes the entry (one write). */
  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    this.#clearTimer()
    await this.#writes
    if (this.#startedAt === null) return
    const { registry, workerId, events } = this.#params
    try {
      await registry.removeWorker({ workerId })
    } catch (error) {
      events.emit('queue:error', { error: normalizeError(error), operation: 'workers.remove' })
    }
  }

  async #register(): Promise<void> {
    this.#queued = false
    if (this.#stopped) return
    this.#clearTimer()
    const { registry, clock, events, intervalMs } = this.#params
    const now = clock.now()
    try {
      await registry.registerWorker({
        worker: this.#describe(),
        expiresAt: new Date(now.getTime() + WORKER_EXPIRY_INTERVALS * intervalMs),
        now,
      })
    } catch (error) {
      events.emit('queue:error', { error: normalizeError(error), operation: 'workers.register' })
    }
    if (this.#stopped || this.#queued) return
    this.#timer = clock.setTimeout(() => {
      this.#timer = null
      this.refresh()
    }, intervalMs)
  }

  #describe(): Omit<WorkerInfo, 'lastSeenAt'> {
    const { workerId, instanceConcurrency } = this.#params
    return {
      workerId,
      host: hostname(),
      pid: process.pid,
      types: this.#params.types().sort((first, second) => (first.type < second.type ? -1 : 1)),
      instanceConcurrency,
      version: DURABL_VERSION,
      runsSchedules: this.#params.runsSchedules(),
      startedAt: this.#startedAt ?? this.#params.clock.now(),
    }
  }

  #clearTimer(): void {
    if (this.#timer !== null) this.#params.clock.clearTimeout(this.#timer)
    this.#timer = null
  }
}

/** The backend's worker registry, or a NotSupportedError naming the backend. */
export function requireWorkerRegistry(backend: Backend): WorkerRegistry {
  if (backend.workers === undefined || backend.capabilities.workers !== true) {
    throw new NotSupportedError(`the ${backend.name} backend has no worker registry (capabilities.workers)`)
  }
  return backend.workers
}
