import type { Clock } from '../../clock.js'
import { normalizeError } from '../../errors/normalize-error.js'
import { ShutdownError } from '../../errors/shutdown-error.js'
import type { Job } from '../../job.js'
import type { ThreadResourceLimits } from '../../options.js'
import type { Handler, JobContext } from '../job-context.js'
import { PooledThread } from './pooled-thread.js'

export interface ThreadPoolParams {
  /** The handler module as a `file:` URL. */
  moduleUrl: string
  exportName: string
  /** The most threads alive at once: the type's `concurrency`. */
  size: number
  resourceLimits: ThreadResourceLimits | null
  terminateGraceMs: number
  clock: Clock
  /** A thread crashed while it ran no job (reported as `queue:error`). */
  onIdleCrash(error: Error): void
}

interface Waiter {
  resolve(thread: PooledThread): void
  reject(error: Error): void
}

/**
 * The worker threads of one thread-isolated type: created when a job needs one, reused between
 * jobs, replaced after a crash or termination, never more than `size` alive (a thread being
 * terminated still counts until it has exited). `handler` is what the attempt runner calls, so
 * timeouts, leases, hooks and outcomes work as for a function handler.
 */
export class ThreadPool {
  readonly #params: ThreadPoolParams
  readonly #threads = new Set<PooledThread>()
  readonly #idle: PooledThread[] = []
  readonly #waiting: Waiter[] = []
  #closed = false

  constructor(params: ThreadPoolParams) {
    this.#params = params
  }

  /** Runs the job on a thread; settles once that thread is free again or gone. */
  readonly handler: Handler = async (job, ctx) => {
    const thread = await this.#acquire(ctx.signal)
    try {
      return await thread.run(job as Job, ctx as JobContext)
    } finally {
      this.#release(thread)
    }
  }

  /** Threads alive now, running or idle. */
  get threadCount(): number {
    return this.#threads.size
  }

  /**
   * Takes no more jobs, terminates idle threads now and busy ones as soon as their job settles
   * (shutdown has aborted them, so each ends within its grace). Resolves once every thread exited.
   */
  close(): Promise<void> {
    this.#closed = true
    for (const waiter of this.#waiting.splice(0)) waiter.reject(new ShutdownError())
    const shutdownError = new ShutdownError()
    for (const thread of this.#idle.splice(0)) void thread.terminate(shutdownError)
    return this.#allExited()
  }

  /** Terminates every thread now, busy or not (shutdown's deadline passed). */
  terminateAll(): Promise<void> {
    this.#closed = true
    const shutdownError = new ShutdownError()
    for (const thread of this.#threads) void thread.terminate(shutdownError)
    return this.#allExited()
  }

  async #allExited(): Promise<void> {
    await Promise.all([...this.#threads].map((thread) => thread.exited))
  }

  #acquire(signal: AbortSignal): Promise<PooledThread> {
    if (this.#closed) return Promise.reject(new ShutdownError())
    const idle = this.#idle.pop()
    if (idle) return Promise.resolve(idle)
    if (this.#threads.size < this.#params.size) return Promise.resolve(this.#spawn())
    // Only inline runs get here (the fetcher never runs more than `concurrency` at once).
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#waiting.splice(this.#waiting.indexOf(waiter), 1)
        reject(normalizeError(signal.reason))
      }
      const waiter: Waiter = {
        resolve: (thread) => {
          signal.removeEventListener('abort', onAbort)
          resolve(thread)
        },
        reject,
      }
      this.#waiting.push(waiter)
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  #release(thread: PooledThread): void {
    if (!thread.usable) return // exiting: #onExit replaces it for a waiter
    if (this.#closed) {
      void thread.terminate(new ShutdownError())
      return
    }
    const waiter = this.#waiting.shift()
    if (waiter) waiter.resolve(thread)
    else this.#idle.push(thread)
  }

  #spawn(): PooledThread {
    const { moduleUrl, exportName, resourceLimits, terminateGraceMs, clock, onIdleCrash } = this.#params
    const thread = new PooledThread({
      moduleUrl,
      exportName,
      resourceLimits,
      terminateGraceMs,
      clock,
      onIdleCrash,
      onExit: (exited) => this.#onExit(exited),
    })
    this.#threads.add(thread)
    return thread
  }

  #onExit(thread: PooledThread): void {
    this.#threads.delete(thread)
    const index = this.#idle.indexOf(thread)
    if (index !== -1) this.#idle.splice(index, 1)
    if (this.#closed || this.#waiting.length === 0) return
    this.#waiting.shift()?.resolve(this.#spawn())
  }
}
