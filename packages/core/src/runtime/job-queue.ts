import type { Backend, TypeControl, WorkerInfo } from '../backend.js'
import { NotSupportedError } from '../errors/not-supported-error.js'
import { QueueStateError } from '../errors/queue-state-error.js'
import { ValidationError } from '../errors/validation-error.js'
import type { JobQueueEventName, JobQueueListener } from '../events.js'
import type { JobQueueHooks } from '../hooks.js'
import type { Job } from '../job.js'
import type { EnqueueOptions, JobQueueOptions, ProcessorConfig } from '../options.js'
import { hasAnyLimit } from '../type-limits.js'
import {
  type ResolvedJobQueueOptions,
  resolveJobQueueOptions,
} from '../validation/resolve-job-queue-options.js'
import { resolveProcessorConfig } from '../validation/resolve-processor-config.js'
import { resolveThreadModule } from '../validation/resolve-thread-module.js'
import { requireNonEmptyString } from '../validation/rules.js'
import { validateJobType } from '../validation/validate-job-type.js'
import { setTypePaused, type TypeControlResult } from './controls/pause-types.js'
import { type JobQueueStats, statsWithControls } from './controls/stats-with-controls.js'
import { TypeLimitsApi } from './controls/type-limits-api.js'
import { type EnqueueManyItem, Enqueuer } from './enqueuer.js'
import { TypedEventEmitter } from './event-emitter.js'
import type { Handler } from './job-context.js'
import type { JobHandle } from './job-handle.js'
import { Scheduler } from './scheduler/scheduler.js'
import { Schedules } from './scheduler/schedules-api.js'
import { ShutdownDeadline } from './shutdown-deadline.js'
import type { ShutdownReport } from './shutdown-report.js'
import type { ThreadModule } from './thread/thread-handler.js'
import { type ConcurrencySnapshot, type ProcessorHandler, Worker } from './worker.js'
import { defaultWorkerId } from './worker-id.js'
import { requireWorkerRegistry, WorkerRegistration } from './worker-registration.js'

/**
 * Of a shutdown's `timeoutMs`, the part kept for the final writes (releases and acknowledgements)
 * after running jobs are stopped: a tenth, at most this much.
 */
export const SHUTDOWN_WRITE_RESERVE_MS = 1_000
/** However small its `timeoutMs`, a shutdown gives the database this long before giving up on writes. */
export const SHUTDOWN_MIN_DEADLINE_MS = 1_000

/** Where a queue is in its life. Enqueueing works until `stopped`; `process()` until `stopping`. */
export type JobQueueState = 'created' | 'starting' | 'started' | 'stopping' | 'stopped'

const BACKEND_METHODS = [
  'startup',
  'shutdown',
  'enqueueJobs',
  'claimJobs',
  'heartbeatJobs',
  'completeJobs',
  'acknowledgeJobs',
] as const

/**
 * A durable job queue over a {@link Backend}. Producing needs only `enqueue()`; processing starts
 * when a processor is registered with `process()` and `startup()` was called. A queue without
 * processors starts no claim loop, lease recovery or push stream; a started queue still registers
 * itself in the backend's worker registry (`workerRegistryIntervalMs`) and runs schedules.
 */
export class JobQueue {
  readonly backend: Backend
  readonly options: ResolvedJobQueueOptions
  readonly #events = new TypedEventEmitter()
  readonly #hooks: JobQueueHooks[] = []
  readonly #worker: Worker
  readonly #enqueuer: Enqueuer
  #scheduler: Scheduler | null = null
  #registration: WorkerRegistration | null = null
  /**
   * Recurring jobs stored by the backend (`capabilities.schedules`): upsert, sync, pause, resume,
   * trigger, remove, get, list and preview. A started queue also runs them (unless
   * `options.schedules.run` is false); see docs/schedules.md.
   */
  readonly schedules: Schedules
  /**
   * Fleet-wide limits per job type, stored by the backend (`capabilities.controls`): `set(type,
   * { concurrency, rateLimit, perKey })`, `get`, `list`, `remove`; see docs/limits.md.
   */
  readonly limits: TypeLimitsApi
  #state: JobQueueState = 'created'
  #startup: Promise<void> | null = null
  #shutdown: Promise<ShutdownReport> | null = null

  constructor(backend: Backend, options: JobQueueOptions = {}) {
    if (
      typeof backend !== 'object' ||
      backend === null ||
      BACKEND_METHODS.some((name) => typeof backend[name] !== 'function')
    ) {
      throw new ValidationError('backend', 'must implement the Backend contract from @durabl/core', backend)
    }
    this.backend = backend
    this.options = resolveJobQueueOptions(options, defaultWorkerId)
    this.#worker = new Worker({ backend, options: this.options, events: this.#events, hooks: this.#hooks })
    this.#enqueuer = new Enqueuer({
      backend,
      options: this.options,
      events: this.#events,
      hooks: this.#hooks,
      leaseMsFor: (type) => this.#worker.leaseMsFor(type),
    })
    this.limits = new TypeLimitsApi({
      backend,
      clock: this.options.clock,
      cache: () => this.#worker.controls,
    })
    this.schedules = new Schedules({
      backend,
      clock: this.options.clock,
      events: this.#events,
      workerId: this.options.workerId,
      maxPayloadBytes: this.options.maxPayloadBytes,
      scheduler: () => this.#scheduler,
    })
  }

  get workerId(): string {
    return this.options.workerId
  }

  get state(): JobQueueState {
    return this.#state
  }

  /**
   * Starts the backend, attaches the inline runner for inline backends, and, if processors are
   * registered, the fetcher, lease recovery and push. Calling it again returns the same promise.
   */
  startup(): Promise<void> {
    if (this.#shutdown) return Promise.reject(new QueueStateError('startup() was called after shutdown()'))
    this.#startup ??= this.#start().catch((error: unknown) => {
      // A failed start (database unreachable) may be retried by calling startup() again.
      this.#startup = null
      this.#state = 'created'
      throw error
    })
    return this.#startup
  }

  /**
   * Registers the handler for a job type. `config` is validated here: a bad option throws a
   * ValidationError naming it. Registering after `startup()` joins the running fetcher.
   *
   * A `ThreadModule` (`{ module: new URL('./resize.js', import.meta.url), exportName? }`) runs the
   * module's export in worker threads (isolation `'thread'`): see "Running handlers in a worker
   * thread" in the README.
   */
  process<TData = unknown, TResult = unknown>(
    type: string,
    handler: Handler<TData, TResult>,
    config?: ProcessorConfig & { isolation?: 'none' },
  ): void
  process(type: string, handler: ThreadModule, config?: ProcessorConfig & { isolation?: 'thread' }): void
  process(type: string, handler: Handler | ThreadModule, config?: ProcessorConfig): void {
    if (this.#state === 'stopping' || this.#state === 'stopped') {
      throw new QueueStateError(`process(${JSON.stringify(type)}) was called after shutdown()`)
    }
    const validType = validateJobType(type)
    const registered: ProcessorHandler =
      typeof handler === 'function'
        ? { kind: 'function', handler }
        : { kind: 'thread', module: resolveThreadModule(handler) }
    const resolved = resolveProcessorConfig(
      config,
      'config',
      registered.kind === 'thread' ? 'module' : 'function',
    )
    if (this.#worker.processors.has(validType)) {
      throw new ValidationError('type', 'must not already have a processor in this queue', validType)
    }
    this.#worker.register(validType, registered, resolved)
    if (this.#state === 'started') this.#worker.start()
    this.#registration?.refresh()
  }

  /** Writes one job. Resolves to its id, or null when its dedupe key blocked it. */
  enqueue<TData = unknown>(type: string, data: TData, options?: EnqueueOptions): Promise<string | null> {
    return this.#whileOpen(() => this.#enqueuer.enqueue(type, data, options))
  }

  /** Writes many jobs in one backend call after validating all of them; nothing is written if one is invalid. */
  enqueueMany(items: ReadonlyArray<EnqueueManyItem>): Promise<Array<string | null>> {
    return this.#whileOpen(() => this.#enqueuer.enqueueMany(items))
  }

  /**
   * Single-flight: when no job with `options.dedupeKey` is active, writes the job already claimed
   * and returns a handle to run it inline. Returns null when it was a duplicate, when it was
   * enqueued behind the active one (scope `'pending'`), or when shutdown began meanwhile (the job
   * is then left pending). `dedupeKey` is required.
   */
  claimOrEnqueue<TData = unknown, TResult = unknown>(
    type: string,
    data: TData,
    options: EnqueueOptions & { dedupeKey: string },
  ): Promise<JobHandle<TData, TResult> | null> {
    return this.#whileOpen(async () => {
      if (this.#state === 'stopping') {
        throw new QueueStateError('claimOrEnqueue() cannot claim while the queue is shutting down')
      }
      this.#refuseLimitedInline(type)
      const result = await this.#enqueuer.claimOrEnqueue(type, data, options, this.workerId)
      if (result.outcome !== 'claimed') return null
      // Null also when shutdown began during the call: the job was given back and stays pending.
      return this.#worker.createHandle<TData, TResult>(result.job)
    })
  }

  /**
   * How many attempts hold a slot right now, overall and per registered type, against the limits
   * (`instanceConcurrency` and each processor's `concurrency`). Read locally, no backend call.
   */
  getConcurrency(): ConcurrencySnapshot {
    return this.#worker.concurrency(this.options.instanceConcurrency)
  }

  /**
   * The started queues registered with the backend and still registering (see
   * `workerRegistryIntervalMs`), this one included, sorted by worker id. One backend read; needs
   * `capabilities.workers` (a NotSupportedError otherwise).
   */
  listWorkers(): Promise<WorkerInfo[]> {
    return this.#call(() =>
      requireWorkerRegistry(this.backend).listWorkers({ now: this.options.clock.now() }),
    )
  }

  /**
   * Counts jobs per type and state, with whether each type is paused (`paused`, and `allPaused`);
   * a type paused by name is listed even when it has no jobs. One backend read, and one more of
   * the type controls when the backend stores them.
   */
  getStats(type?: string): Promise<JobQueueStats> {
    return this.#call(async () => {
      const now = this.options.clock.now()
      const only = type === undefined ? undefined : validateJobType(type)
      const { backend } = this
      const [stats, controls] = await Promise.all([
        backend.getStats(only === undefined ? { now } : { type: only, now }),
        backend.capabilities.controls === true && backend.controls !== undefined
          ? backend.controls.listTypeControls({})
          : [],
      ])
      return statsWithControls(stats, controls, only)
    })
  }

  /**
   * Pauses a job type on every worker of the fleet (`type` omitted: every type, stored as `'*'`).
   * The pause is stored by the backend (`capabilities.controls`, a NotSupportedError otherwise):
   * each queue that processes the type stops claiming it within a push event (about a second) or
   * one poll interval, jobs already running finish, and it holds across restarts until `resume()`.
   * This queue applies it at once and emits `queue:paused`. Resolves to the stored control and a
   * `warning` (null, or why the pause may not do what you expect: no running queue processes the
   * type); it never fails for that.
   */
  pause(type?: string): Promise<TypeControlResult> {
    return this.#setPaused(type, true)
  }

  /**
   * Resumes a job type paused with `pause(type)` (`type` omitted: resumes `pause()`, every type).
   * Workers claim its jobs at once when they hear of it (push) or at their next poll. Resolves like
   * `pause()`; the `warning` says when the type stays paused because every type still is, or (no
   * type) which types stay paused by name.
   */
  resume(type?: string): Promise<TypeControlResult> {
    return this.#setPaused(type, false)
  }

  /**
   * The type controls (pause state per type, `'*'` for every type) as this queue last saw them,
   * read from memory: no backend call. A queue that processes jobs keeps them current; one that
   * does not knows only the changes it made itself.
   */
  localTypeControls(): TypeControl[] {
    return this.#worker.controls?.snapshot() ?? []
  }

  getJob(id: string): Promise<Job | null> {
    return this.#call(() => this.backend.getJob({ id: requireJobId(id) }))
  }

  /**
   * Cancels a job that has not finished. A pending job is `cancelled` at once. A running job gets a
   * cancel request: the worker running it (in any process) learns of it at its next heartbeat,
   * aborts the handler's `ctx.signal` with a JobCancelledError and ends the job `cancelled`; when
   * this queue runs it, that happens now. Resolves true when this call cancelled the job or
   * requested its cancel, false when it had finished, its cancel was already requested, or no job
   * has the id.
   */
  cancelJob(id: string): Promise<boolean> {
    return this.#call(async () => {
      const ids = await this.backend.cancelJobs({ ids: [requireJobId(id)], now: this.options.clock.now() })
      this.#worker.cancelRunning(ids)
      return ids.length > 0
    })
  }

  /** Runs a finished job again from attempt 1. Resolves true when it was changed. */
  retryJob(id: string): Promise<boolean> {
    return this.#call(async () => {
      const ids = await this.backend.retryJobs({ ids: [requireJobId(id)], now: this.options.clock.now() })
      return ids.length > 0
    })
  }

  on<E extends JobQueueEventName>(event: E, listener: JobQueueListener<E>): this {
    this.#events.on(event, listener)
    return this
  }

  off<E extends JobQueueEventName>(event: E, listener: JobQueueListener<E>): this {
    this.#events.off(event, listener)
    return this
  }

  once<E extends JobQueueEventName>(event: E, listener: JobQueueListener<E>): this {
    this.#events.once(event, listener)
    return this
  }

  /** Adds hooks around enqueueing and processing; the first added is the outermost. */
  use(hooks: JobQueueHooks): this {
    if (typeof hooks !== 'object' || hooks === null)
      throw new ValidationError('hooks', 'must be an object', hooks)
    requireNonEmptyString('hooks.name', hooks.name, 200)
    this.#hooks.push(hooks)
    return this
  }

  /**
   * Stops claiming, lets running jobs finish, aborts and releases the rest, writes pending
   * acknowledgements and shuts the backend down, all within `timeoutMs` (default
   * `shutdownTimeoutMs`; never less than `SHUTDOWN_MIN_DEADLINE_MS`). Running jobs get `timeoutMs`
   * minus a reserve for the final writes (a tenth, at most `SHUTDOWN_WRITE_RESERVE_MS`). Backend
   * calls still unanswered at the deadline (an unresponsive database) are abandoned: their jobs'
   * leases expire and lease recovery returns them. Resolves to a report of what was abandoned
   * (also emitted as `queue:abandoned`). Calling it again returns the same promise.
   */
  shutdown(timeoutMs?: number): Promise<ShutdownReport> {
    if (this.#shutdown) return this.#shutdown
    const graceMs = timeoutMs === undefined ? this.options.shutdownTimeoutMs : validateTimeout(timeoutMs)
    this.#shutdown = this.#stop(graceMs)
    return this.#shutdown
  }

  async #start(): Promise<void> {
    this.#state = 'starting'
    await this.backend.startup()
    if (this.backend.capabilities.inline) this.backend.attachRunner?.(this.#worker.inlineRunner)
    // shutdown() may have been called while the backend was starting.
    if (this.#shutdown) return
    this.#state = 'started'
    if (this.#worker.processors.size > 0) {
      this.#worker.start()
      // Started queues know what is paused: claims wait for this first read (a failed one is
      // reported as queue:error and tried again at the next poll; until then nothing is claimed).
      await this.#worker.controls?.start()
    }
    await this.#startScheduler()
    await this.#startRegistration()
    this.#events.emit('queue:started', {})
  }

  async #stop(timeoutMs: number): Promise<ShutdownReport> {
    this.#events.emit('queue:stopping', { timeoutMs })
    this.#state = 'stopping'
    const { clock } = this.options
    const reserveMs = Math.min(SHUTDOWN_WRITE_RESERVE_MS, Math.floor(timeoutMs / 10))
    const grace = new ShutdownDeadline(clock, timeoutMs - reserveMs)
    const deadline = new ShutdownDeadline(clock, Math.max(timeoutMs, SHUTDOWN_MIN_DEADLINE_MS))
    const abandonedOperations: string[] = []
    // Let a startup in progress finish first, so the backend is not shut down under it.
    if (this.#startup && !(await deadline.race(this.#startup))) abandonedOperations.push('startup')
    const scheduler = this.#scheduler
    this.#scheduler = null
    if (scheduler !== null && !(await deadline.race(scheduler.stop()))) abandonedOperations.push('schedules')
    const worker = await this.#worker.stop({ grace, deadline })
    abandonedOperations.push(...worker.abandonedOperations)
    const registration = this.#registration
    this.#registration = null
    if (registration !== null && !(await deadline.race(registration.stop())))
      abandonedOperations.push('workers')
    this.#state = 'stopped'
    if (!(await deadline.race(this.backend.shutdown()))) abandonedOperations.push('shutdown')
    grace.dispose()
    deadline.dispose()
    const report: ShutdownReport = {
      timedOut: worker.abandonedJobs.length > 0 || abandonedOperations.length > 0,
      abandonedJobs: worker.abandonedJobs,
      abandonedOperations,
    }
    if (report.timedOut) {
      this.#events.emit('queue:abandoned', {
        jobs: report.abandonedJobs,
        operations: report.abandonedOperations,
      })
    }
    this.#events.emit('queue:stopped', {})
    return report
  }

  async #startScheduler(): Promise<void> {
    const store = this.backend.schedules
    if (!this.options.schedules.run || store === undefined || this.backend.capabilities.schedules !== true)
      return
    const scheduler = new Scheduler({
      backend: this.backend,
      store,
      clock: this.options.clock,
      events: this.#events,
      workerId: this.options.workerId,
      takeoverMs: this.options.schedules.takeoverMs,
      scanIntervalMs: this.options.schedules.scanIntervalMs,
    })
    this.#scheduler = scheduler
    // A failed first read is reported as queue:error and retried at the next scan; startup goes on.
    await scheduler.start()
  }

  /** Registers this queue in the backend's worker registry, when it has one and it is not turned off. */
  async #startRegistration(): Promise<void> {
    const { workerRegistryIntervalMs: intervalMs } = this.options
    const registry = this.backend.workers
    if (
      this.#shutdown ||
      intervalMs === false ||
      registry === undefined ||
      this.backend.capabilities.workers !== true
    )
      return
    const registration = new WorkerRegistration({
      registry,
      clock: this.options.clock,
      events: this.#events,
      workerId: this.options.workerId,
      intervalMs,
      instanceConcurrency: this.options.instanceConcurrency,
      types: () =>
        [...this.#worker.processors.values()].map(({ type, config }) => ({
          type,
          concurrency: config.concurrency,
        })),
      runsSchedules: () => this.#scheduler !== null,
    })
    this.#registration = registration
    // A failed write is reported as queue:error and tried again at the next interval; startup goes on.
    await registration.start()
  }

  #setPaused(type: string | undefined, paused: boolean): Promise<TypeControlResult> {
    return this.#call(() =>
      setTypePaused({
        backend: this.backend,
        cache: this.#worker.controls,
        type,
        paused,
        now: this.options.clock.now(),
        processes: (name) => this.#worker.processors.has(name),
      }),
    )
  }

  /**
   * claimOrEnqueue runs its job inline, outside the claim that holds a type to its fleet-wide
   * limits: a type with limits is refused rather than silently run past them.
   */
  #refuseLimitedInline(type: string): void {
    const validType = validateJobType(type)
    if (hasAnyLimit(this.#worker.limitsFor(validType))) {
      throw new NotSupportedError(
        `claimOrEnqueue cannot run a job of type ${JSON.stringify(validType)} inline: the type has fleet-wide limits (queue.limits or options.limitsFor), which only claims enforce; enqueue it instead`,
      )
    }
  }

  /** Enqueueing stays open while shutting down (handlers finishing may enqueue follow-ups). */
  #whileOpen<T>(run: () => Promise<T>): Promise<T> {
    if (this.#state === 'stopped') {
      return Promise.reject(new QueueStateError('the queue was shut down; enqueue on a started queue'))
    }
    return this.#call(run)
  }

  /** Turns synchronous validation throws into rejections, so every async method only rejects. */
  #call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return run()
    } catch (error) {
      return Promise.reject(error)
    }
  }
}

function requireJobId(id: unknown): string {
  return requireNonEmptyString('id', id, 200)
}

function validateTimeout(timeoutMs: unknown): number {
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new ValidationError('timeoutMs', 'must be a finite number >= 0', timeoutMs)
  }
  return timeoutMs
}
