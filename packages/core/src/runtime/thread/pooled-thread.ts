import { Worker } from 'node:worker_threads'
import type { Clock, ClockTimer } from '../../clock.js'
import { normalizeError } from '../../errors/normalize-error.js'
import { ThreadCrashedError } from '../../errors/thread-crashed-error.js'
import type { Job } from '../../job.js'
import type { ThreadResourceLimits } from '../../options.js'
import type { JobContext } from '../job-context.js'
import {
  type FromThreadMessage,
  reviveError,
  serializeReason,
  type ToThreadMessage,
} from './thread-messages.js'

/** Beside this file in src/ and in dist/ (tsup builds it as an entry of its own). */
const THREAD_ENTRY_URL = new URL('./thread-entry.js', import.meta.url)

export interface PooledThreadParams {
  /** The handler module as a `file:` URL. */
  moduleUrl: string
  exportName: string
  resourceLimits: ThreadResourceLimits | null
  /** How long a handler asked to stop may take to settle before the thread is terminated. */
  terminateGraceMs: number
  clock: Clock
  /** The thread exited (crashed or terminated); it runs nothing more. */
  onExit(thread: PooledThread): void
  /** The thread crashed while no job ran on it (a timer a finished job left behind). */
  onIdleCrash(error: Error): void
}

interface ActiveRun {
  runId: number
  job: Job
  ctx: JobContext
  settle(outcome: { value: unknown } | { error: Error }): void
  /** The handler was asked to stop; the thread is terminated when this timer fires. */
  stopping: boolean
  stopTimer: ClockTimer | null
}

/**
 * One worker thread running one job at a time for its pool. It turns an aborted signal into an
 * `abort` message and, once `terminateGraceMs` passed without the handler settling, terminates the
 * thread; a thread that dies mid-run fails the run with ThreadCrashedError, never the process.
 */
export class PooledThread {
  readonly #params: PooledThreadParams
  readonly #worker: Worker
  /** Resolves when the thread has exited, whatever the reason. */
  readonly exited: Promise<void>
  #alive = true
  #run: ActiveRun | null = null
  #nextRunId = 1
  /** Set when this side terminates the thread: the exit is then not a crash. */
  #terminationReason: Error | null = null
  #crash: Error | null = null

  constructor(params: PooledThreadParams) {
    this.#params = params
    this.#worker = new Worker(THREAD_ENTRY_URL, {
      workerData: { moduleUrl: params.moduleUrl, exportName: params.exportName },
      ...(params.resourceLimits ? { resourceLimits: params.resourceLimits } : {}),
    })
    // An idle thread must not keep the process alive (the queue's timers do not either).
    this.#worker.unref()
    this.#worker.on('message', (message: FromThreadMessage) => this.#onMessage(message))
    this.#worker.on('error', (error) => {
      this.#crash ??= normalizeError(error)
    })
    this.exited = new Promise((resolve) => {
      this.#worker.once('exit', (exitCode: number) => {
        this.#onExit(exitCode)
        resolve()
      })
    })
  }

  /** Alive and not being terminated: it may take the next job. */
  get usable(): boolean {
    return this.#alive && this.#terminationReason === null
  }

  /** Runs one job; settles with the handler's result or error once the thread is free again (or gone). */
  run(job: Job, ctx: JobContext): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const onAbort = () => this.#stop(run, normalizeError(ctx.signal.reason))
      const run: ActiveRun = {
        runId: this.#nextRunId++,
        job,
        ctx,
        stopping: false,
        stopTimer: null,
        settle: (outcome) => {
          if (this.#run !== run) return
          this.#run = null
          if (run.stopTimer !== null) this.#params.clock.clearTimeout(run.stopTimer)
          ctx.signal.removeEventListener('abort', onAbort)
          if (this.usable) this.#worker.unref()
          if ('error' in outcome) reject(outcome.error)
          else resolve(outcome.value)
        },
      }
      this.#run = run
      this.#worker.ref()
      try {
        this.#send({ kind: 'run', runId: run.runId, job })
      } catch (error) {
        const reason = normalizeError(error)
        run.settle({
          error: new TypeError(`job ${job.id} cannot be sent to a worker thread: ${reason.message}`),
        })
        return
      }
      if (ctx.signal.aborted) onAbort()
      else ctx.signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Terminates the thread now; a run in progress fails with `reason`. Resolves once it exited. */
  terminate(reason: Error): Promise<void> {
    if (this.#alive) {
      this.#terminationReason ??= reason
      this.#worker.unref()
      this.#worker.terminate().catch(() => {})
    }
    return this.exited
  }

  /** Asks the handler to stop, and terminates the thread if it has not settled within the grace. */
  #stop(run: ActiveRun, reason: Error): void {
    if (run.stopping || this.#run !== run) return
    run.stopping = true
    this.#send({ kind: 'abort', runId: run.runId, reason: serializeReason(reason) })
    const { clock, terminateGraceMs } = this.#params
    if (terminateGraceMs === 0) void this.terminate(reason)
    else run.stopTimer = clock.setTimeout(() => void this.terminate(reason), terminateGraceMs)
  }

  #onMessage(message: FromThreadMessage): void {
    const run = this.#run
    if (run === null || message.runId !== run.runId) return
    switch (message.kind) {
      case 'log':
        run.ctx.log(message.message)
        return
      case 'progress':
        try {
          run.ctx.progress(message.value)
        } catch (error) {
          // In the main thread this would throw into the handler; here it fails the attempt.
          const reason = normalizeError(error)
          void run.ctx.fail(reason)
          this.#stop(run, reason)
        }
        return
      case 'settled':
        if (message.ok) {
          run.settle({ value: message.result })
          return
        }
        // The module failed to load: this thread cannot run the handler, a new one may.
        if (message.retire) void this.terminate(new Error('the thread handler module failed to load'))
        run.settle({ error: reviveError(message.error) })
        return
    }
  }

  #onExit(exitCode: number): void {
    this.#alive = false
    const run = this.#run
    if (run !== null) {
      run.settle({
        error:
          this.#terminationReason ?? new ThreadCrashedError(run.job.id, exitCode, this.#crash ?? undefined),
      })
    } else if (this.#terminationReason === null) {
      this.#params.onIdleCrash(this.#crash ?? new Error(`a worker thread exited with code ${exitCode}`))
    }
    this.#params.onExit(this)
  }

  #send(message: ToThreadMessage): void {
    this.#worker.postMessage(message)
  }
}
