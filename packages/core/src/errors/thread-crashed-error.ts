import { DurablError } from './durabl-error.js'

/**
 * The worker thread running a thread handler died before the handler settled: an uncaught
 * exception or rejection in the thread, `process.exit()` there, or its `resourceLimits` reached.
 * The attempt fails and is retried per policy; the process lives on and the thread is replaced.
 */
export class ThreadCrashedError extends DurablError {
  readonly jobId: string
  /** The thread's exit code. */
  readonly exitCode: number

  constructor(jobId: string, exitCode: number, cause?: Error) {
    const why = cause ? `${cause.name}: ${cause.message}` : `it exited with code ${exitCode}`
    super('THREAD_CRASHED', `the worker thread running job ${jobId} crashed: ${why}`, { cause })
    this.name = 'ThreadCrashedError'
    this.jobId = jobId
    this.exitCode = exitCode
  }

  static override isInstance(error: unknown): error is ThreadCrashedError {
    return DurablError.isInstance(error) && error.code === 'THREAD_CRASHED'
  }
}
