import { DurablError } from './durabl-error.js'

/** The attempt ran longer than the job's `timeoutMs`; the reason of `ctx.signal`, and the attempt fails. */
export class JobTimeoutError extends DurablError {
  readonly timeoutMs: number

  constructor(jobId: string, timeoutMs: number) {
    super('JOB_TIMEOUT', `job ${jobId} ran longer than its timeoutMs of ${timeoutMs}`)
    this.name = 'JobTimeoutError'
    this.timeoutMs = timeoutMs
  }

  static override isInstance(error: unknown): error is JobTimeoutError {
    return DurablError.isInstance(error) && error.code === 'JOB_TIMEOUT'
  }
}
