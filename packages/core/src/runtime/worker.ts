import type { Backend, ControlChange, InlineRunner } from '../backend.js'
import type { Clock } from '../clock.js'
import { normalizeError } from '../errors/normalize-error.js'
import { ShutdownError } from '../errors/shutdown-error.js'
import type { JobQueueHooks } from '../hooks.js'
import type { Job } from '../job.js'
import { DEFAULTS } from '../options.js'
import type { TypeLimits } from '../type-limits.js'
import type { ResolvedJobQueueOptions } from '../validation/resolve-job-queue-options.js'
import { HEARTBEATS_PER_LEASE, type ResolvedProcessorConfig } from '../validation/resolve-processor-config.js'
import type { ResolvedThreadModule } from '../validation/resolve-thread-module.js'
import { resolveTypeLimits } from '../validation/resolve-type-limits.js'
import { AckBatcher } from './ack-batcher.js'
import { AttemptRunner, type AttemptSettings } from './attempt-runner.js'
import { ControlsCache } from './controls/controls-cache.js'
import type { TypedEventEmitter } from './event-emitter.js'
import { Fetcher } from './fetcher.js'
import { Heartbeater } from './heartbeater.js'
import type { Handler } from './job-context.js'
import type { JobHandle } from './job-handle.js'
import { PushSubscriber } from './push-subscriber.js'
import { Recoverer } from './recoverer.js'
import type { RunningAttempt } from './running-attempt.js'
import type { ShutdownDeadline } from './shutdown-deadline.js'
import type { AbandonedWrite, ShutdownReport } from './shutdown-report.js'
import { SlotPool } from './slot-pool.js'
import { ThreadPool } from './thread/thread-pool.js'

/** How busy a queue's processing is right now (see `JobQueue.getConcurrency`). */
export interface ConcurrencySnapshot {
  /** `instanceConcurrency`: the most attempts the queue runs at once across all types. */
  limit: number
  /** Attempts holding a slot now. */
  inUse: number
  /**
   * One entry per registered processor: its `concurrency`, its attempts running now and, for
   * isolation `'thread'`, its worker threads alive now (busy, idle or being terminated).
   */
  types: Array<{ type: string; limit: number; inUse: number; threads?: number }>
}

export interface Processor {
  type: string
  /** A function handler, or the thread pool's handler for isolation `'thread'`. */
  handler: Handler
  config: ResolvedProcessorConfig
  /** The worker threads running the handler (isolation `'thread'`), else null. */
  threads: ThreadPool | null
}

/** What `process()` registers: a function, or a thread module for isolation `'thread'`. */
export type ProcessorHandler =
  | { kind: 'function'; handler: Handler }
  | { kind: 'thread'; module: ResolvedThreadModule }

export interface WorkerParams {
  backend: Backend
  options: ResolvedJobQueueOptions
  events: TypedEventEmitter
  hooks: readonly JobQueueHooks[]
}

/**
 * The processing side of a JobQueue: processors, the one fetcher, heartbeats, acknowledgements,
 * lease recovery, push, inline runs and claimOrEnqueue handles, and the graceful stop of all of
 * them. Nothing here starts a timer, claim or stream until `start()`, which the queue calls only
 * once a processor is registered.
 */
export class Worker {
  readonly processors = new Map<string, Processor>()
  readonly #events: TypedEventEmitter
  readonly #clock: Clock
  readonly #acks: AckBatcher
  readonly #heartbeater: Heartbeater
  readonly #runner: AttemptRunner
  readonly #fetcher: Fetcher
  readonly #recoverer: Recoverer
  readonly #push: PushSubscriber
  /** The one record of attempts and the slots they hold: read by the fetcher, shutdown and `concurrency()`. */
  readonly #slots: SlotPool
  /**
   * The fleet's type controls as this queue sees them, when the backend stores them: paused types
   * are left out of every claim. Null otherwise (nothing is held, nothing is read).
   */
  readonly controls: ControlsCache | null
  /** Types the controls let the fetcher claim, as of the last change (a resume claims at once). */
  readonly #claimable = new Set<string>()
  /** Stored limits per type, validated once per control revision. */
  readonly #storedLimits = new Map<string, { rev: number; limits: TypeLimits | null }>()
  readonly #limitsOption: ResolvedJobQueueOptions['limitsFor']
  #pushLive = false
  #started = false
  #accepting = true

  constructor(params: WorkerParams) {
    const { backend, options, events } = params
    this.#events = events
    this.#clock = options.clock
    this.#limitsOption = options.limitsFor
    // Unwritten acknowledgements are capped at instanceConcurrency (decision 0004).
    this.#slots = new SlotPool({
      maxAwaitingAck: options.instanceConcurrency,
      onSlotFreed: (type) => this.#fetcher.slotFreed(type),
      onRecorded: (type) => this.#fetcher.slotReleased(type),
    })
    const onError = (error: Error, operation: string) => events.emit('queue:error', { error, operation })
    const store = backend.capabilities.controls === true ? backend.controls : undefined
    this.controls =
      store === undefined
        ? null
        : new ControlsCache({
            store,
            clock: options.clock,
            events,
            pollIntervalMs: () => this.pollIntervalMs,
            onChange: () => this.#controlsChanged(),
          })
    this.#acks = new AckBatcher({ backend, clock: options.clock, onError })
    this.#heartbeater = new Heartbeater({
      backend,
      clock: options.clock,
      onLeaseLost: (attempt) => this.#runner.loseLease(attempt),
      onCancelRequested: (attempt) => void this.cancelRunning([attempt.id]),
      onError,
    })
    this.#runner = new AttemptRunner({
      clock: options.clock,
      events,
      acks: this.#acks,
      heartbeater: this.#heartbeater,
      slots: this.#slots,
      maxPayloadBytes: options.maxPayloadBytes,
      redactPatterns: options.redact.patterns,
      hooks: params.hooks,
    })
    this.#fetcher = new Fetcher({
      backend,
      clock: options.clock,
      workerId: options.workerId,
      instanceConcurrency: options.instanceConcurrency,
      slots: this.#slots,
      // Paused types are left out: no claim, no due-time read, no wake for them.
      types: () =>
        [...this.processors.values()]
          .filter(({ type }) => this.controls === null || !this.controls.holds(type))
          .map(({ type, config }) => ({ type, concurrency: config.concurrency, leaseMs: config.leaseMs })),
      pollIntervalMs: () => this.pollIntervalMs,
      startJob: (job) => this.#startJob(job),
      returnUnstarted: (jobs) => {
        for (const job of jobs) void this.#giveBack(job)
      },
      onError,
      limitsFor: (type) => this.limitsFor(type),
    })
    this.#recoverer = new Recoverer({
      backend,
      clock: options.clock,
      events,
      intervalMs: options.recoverIntervalMs,
    })
    this.#push = new PushSubscriber({
      backend,
      events,
      onWake: (wake) => this.#fetcher.wake(wake),
      // No read needed: the event names the job, and only the ones running here are stopped.
      onCancelRequested: (ids) => void this.cancelRunning(ids),
      ...(this.controls === null
        ? {}
        : { onControlChange: (change: ControlChange) => this.controls?.changed(change) }),
      onHealth: (live, catchUp) => {
        this.#pushLive = live
        this.#fetcher.repoll()
        if (catchUp) {
          this.#fetcher.requestClaim()
          // Control changes made while the stream was down were announced to nobody.
          void this.controls?.reload()
        }
      },
    })
  }

  /** The smallest interval among processors; unset ones use the default for the current push health. */
  get pollIntervalMs(): number {
    const fallback = this.#pushLive ? DEFAULTS.pushPollIntervalMs : DEFAULTS.pollIntervalMs
    let smallest = Number.POSITIVE_INFINITY
    for (const { config } of this.processors.values())
      smallest = Math.min(smallest, config.pollIntervalMs ?? fallback)
    return smallest === Number.POSITIVE_INFINITY ? fallback : smallest
  }

  /** The lease a claimOrEnqueue of `type` asks for: the processor's, or the default. */
  leaseMsFor(type: string): number {
    return this.processors.get(type)?.config.leaseMs ?? DEFAULTS.leaseMs
  }

  get started(): boolean {
    return this.#started
  }

  /** How many handlers run right now, fetched and inline. */
  get runningCount(): number {
    return this.#slots.runningCount
  }

  /** Slots in use, overall and per registered type, against their limits. */
  concurrency(instanceConcurrency: number): ConcurrencySnapshot {
    const inUseByType = this.#slots.inUseByType()
    return {
      limit: instanceConcurrency,
      inUse: this.#slots.inUse(),
      types: [...this.processors.values()].map(({ type, config, threads }) => ({
        type,
        limit: config.concurrency,
        inUse: inUseByType.get(type) ?? 0,
        ...(threads ? { threads: threads.threadCount } : {}),
      })),
    }
  }

  register(type: string, handler: ProcessorHandler, config: ResolvedProcessorConfig): void {
    const processor: Processor =
      handler.kind === 'function'
        ? { type, handler: handler.handler, config, threads: null }
        : this.#threadProcessor(type, handler.module, config)
    this.processors.set(processor.type, processor)
    if (this.controls !== null && !this.controls.holds(processor.type)) this.#claimable.add(processor.type)
    if (!this.#started) return
    this.#fetcher.typeAdded(processor.type)
    void this.#push.subscribe([...this.processors.keys()])
  }

  start(): void {
    if (this.#started || !this.#accepting) return
    this.#started = true
    // Until its first read lands, every type is held; the read releases the unpaused ones.
    void this.controls?.start()
    this.#recoverer.start()
    this.#fetcher.start()
    void this.#push.subscribe([...this.processors.keys()])
  }

  #threadProcessor(type: string, module: ResolvedThreadModule, config: ResolvedProcessorConfig): Processor {
    const threads = new ThreadPool({
      ...module,
      size: config.concurrency,
      resourceLimits: config.threadResourceLimits,
      terminateGraceMs: config.threadTerminateGraceMs,
      clock: this.#clock,
      onIdleCrash: (error) => this.#events.emit('queue:error', { error, operation: `thread:${type}` }),
    })
    return { type, handler: threads.handler, config, threads }
  }

  /** Runs one attempt of a job an inline backend claimed, through the same code as fetched jobs. */
  readonly inlineRunner: InlineRunner = async (job) => {
    const processor = this.processors.get(job.type)
    if (!processor || !this.#accepting) {
      // No handler in this queue (or it is stopping): leave the job pending for whoever processes its type.
      await this.#giveBack(job)
      return
    }
    const attempt = this.#runner.begin(job, settingsOf(processor.config), 'inline')
    await this.#track(attempt, this.#runner.run(attempt, processor.handler))
  }

  /**
   * Wraps a job claimOrEnqueue claimed: heartbeated until an outcome, released at shutdown.
   * Null when the worker is stopping: the job is given back, pending, rather than left active.
   */
  async createHandle<TData, TResult>(job: Job): Promise<JobHandle<TData, TResult> | null> {
    if (!this.#accepting) {
      await this.#giveBack(job)
      return null
    }
    const processor = this.processors.get(job.type)
    const attempt = this.#runner.begin(
      job,
      processor ? settingsOf(processor.config) : defaultSettings(),
      'handle',
    )
    const context = this.#runner.createContext(attempt)
    return {
      job: attempt.job as Job<TData, TResult>,
      signal: attempt.signal,
      complete: context.complete as (result?: TResult) => Promise<void>,
      fail: context.fail,
      failFatal: context.failFatal,
      snooze: context.snooze,
      heartbeat: context.heartbeat,
      log: context.log,
      progress: context.progress,
    }
  }

  /**
   * The fleet-wide limits of a type: `options.limitsFor` when it answers, else the limits stored
   * with the type's control (`queue.limits.set`), validated once per revision. A stored value
   * that is not valid (written by hand) is reported and ignored.
   */
  limitsFor(type: string): TypeLimits | null {
    const fromOptions = this.#limitsOption?.(type)
    if (fromOptions !== undefined && fromOptions !== null) return fromOptions
    const control = this.controls?.get(type)
    if (control === undefined || control.limits === null || control.limits === undefined) return null
    const cached = this.#storedLimits.get(type)
    if (cached !== undefined && cached.rev === control.rev) return cached.limits
    let limits: TypeLimits | null = null
    try {
      limits = resolveTypeLimits(control.limits, `stored limits of ${JSON.stringify(type)}`)
    } catch (error) {
      this.#events.emit('queue:error', { error: normalizeError(error), operation: 'limits' })
    }
    this.#storedLimits.set(type, { rev: control.rev, limits })
    return limits
  }

  /**
   * Stops the attempts running here of jobs that were cancelled: each handler's signal aborts with
   * a JobCancelledError and the job ends `cancelled` under this worker's lease, whatever the
   * handler then returns or throws. A heartbeat that reports `cancelRequested` calls this for its
   * attempt; anything else that learns of a cancel (the queue's own `cancelJob`, a push) may call
   * it too. Returns the ids stopped; ids not running here, or whose outcome is already decided,
   * are left alone.
   */
  cancelRunning(ids: readonly string[]): string[] {
    const wanted = new Set(ids)
    const stopped: string[] = []
    for (const attempt of this.#slots.attempts()) {
      if (wanted.has(attempt.id) && this.#runner.cancel(attempt)) stopped.push(attempt.id)
    }
    return stopped
  }

  /**
   * Stops claiming and closes the stream, waits until `grace` for running attempts, then aborts
   * the rest (ShutdownError) and releases their leases so another worker can start them at once,
   * and writes every pending acknowledgement. Nothing waits past `deadline`: what the backend has
   * not answered by then is abandoned (its leases expire and recovery returns the jobs) and listed
   * in the result.
   */
  async stop(params: {
    grace: ShutdownDeadline
    deadline: ShutdownDeadline
  }): Promise<Omit<ShutdownReport, 'timedOut'>> {
    const { grace, deadline } = params
    this.#accepting = false
    const abandonedOperations: string[] = []
    const within = async (work: Promise<unknown>, operations: () => string[]) => {
      if (!(await deadline.race(work))) abandonedOperations.push(...operations())
    }
    await Promise.all([
      within(this.#fetcher.stop(), () => this.#fetcher.waitingOn),
      within(this.controls?.stop() ?? Promise.resolve(), () => ['listTypeControls']),
      within(this.#push.close(), () => ['subscription.close']),
      within(this.#recoverer.stop(), () => ['recoverExpiredLeases']),
    ])
    const inFlight = this.#slots.settled()
    if (inFlight.length > 0) await grace.race(Promise.all(inFlight))
    const shutdownError = new ShutdownError()
    for (const attempt of this.#slots.attempts()) {
      if (attempt.isDecided) attempt.abort(shutdownError)
      else this.#runner.release(attempt)
    }
    // Aborted thread handlers get their terminate grace, idle threads end now; none outlives the deadline.
    const threadPools = [...this.processors.values()].flatMap(({ threads }) => (threads ? [threads] : []))
    const threadsExited = Promise.all(threadPools.map((pool) => pool.close()))
    let abandonedJobs: AbandonedWrite[] = []
    if (!(await deadline.race(this.#acks.drain()))) abandonedJobs = this.#acks.abandon()
    // Abandoned acknowledgements settle their attempts at once; the race only guards against a bug.
    await deadline.race(Promise.all(this.#slots.unrecorded().map((attempt) => attempt.outcome)))
    await within(this.#heartbeater.idle(), () => ['heartbeatJobs'])
    this.#heartbeater.stop()
    // Terminating is local and quick; it is not awaited past the deadline (a thread stuck in a
    // blocking system call exits when the call returns) and, unref'd, it cannot hold the process.
    if (!(await deadline.race(threadsExited))) for (const pool of threadPools) void pool.terminateAll()
    return { abandonedJobs, abandonedOperations }
  }

  /** A resumed type (or every type, at the first read of the controls) is claimed at once. */
  #controlsChanged(): void {
    for (const type of this.processors.keys()) {
      if (this.controls?.holds(type)) this.#claimable.delete(type)
      else if (!this.#claimable.has(type)) {
        this.#claimable.add(type)
        if (this.#started) this.#fetcher.typeAdded(type)
      }
    }
  }

  #startJob(job: Job): void {
    const processor = this.processors.get(job.type)
    // No processor cannot happen (we claim only registered types); a held type is a claim that was
    // in flight when its type was paused. Either way the job goes back unstarted, not stranded.
    if (!processor || this.controls?.holds(job.type)) {
      void this.#giveBack(job)
      this.#fetcher.slotFreed(job.type)
      return
    }
    const attempt = this.#runner.begin(job, settingsOf(processor.config), 'fetched')
    // The slot frees when the handler has returned, not when its acknowledgement is written, so the
    // next claim overlaps the write (the pool caps unwritten acknowledgements, decision 0004).
    void this.#track(
      attempt,
      this.#runner.run(attempt, processor.handler, () => this.#slots.handlerReturned(attempt)),
    )
  }

  #track(attempt: RunningAttempt, run: Promise<void>): Promise<void> {
    const tracked = run
      .catch((error: unknown) =>
        this.#events.emit('queue:error', { error: normalizeError(error), operation: 'attempt' }),
      )
      .finally(() => this.#slots.runEnded(attempt))
    this.#slots.trackRun(attempt, tracked)
    return tracked
  }

  /** Releases a claimed job that will not run here; the attempt is not counted. */
  async #giveBack(job: Job): Promise<void> {
    if (job.leaseToken === null) return
    try {
      const result = await this.#acks.release({
        id: job.id,
        type: job.type,
        leaseToken: job.leaseToken,
        dedupeKey: job.dedupeKey,
        dedupeScope: job.dedupeScope,
        takeUpdates: () => ({}),
      })
      if (result === 'applied') this.#events.emit('job:released', { job })
    } catch {
      // Reported as queue:error or in the shutdown report; the lease expires and recovery returns the job.
    }
  }
}

function settingsOf(config: ResolvedProcessorConfig): AttemptSettings {
  return { leaseMs: config.leaseMs, heartbeatMs: config.heartbeatMs, backoff: config.backoff }
}

/** A handle for a type this queue does not process: default lease, heartbeats three times per lease. */
function defaultSettings(): AttemptSettings {
  return {
    leaseMs: DEFAULTS.leaseMs,
    heartbeatMs: Math.floor(DEFAULTS.leaseMs / HEARTBEATS_PER_LEASE),
    backoff: null,
  }
}
