import { DurablError } from './durabl-error.js'

/**
 * The job was cancelled while this attempt ran (`queue.cancelJob()`, `cancelJobs`, `durabl jobs
 * cancel`): the reason of `ctx.signal`. The job ends `cancelled` whatever the handler then returns
 * or throws, and it is not retried.
 */
export class JobCancelledError extends DurablError {
  constructor(jobId: string) {
    super('JOB_CANCELLED', `job ${jobId} was cancelled while it ran`)
    this.name = 'JobCancelledError'
  }

  static override isInstance(error: unknown): error is JobCancelledError {
    return DurablError.isInstance(error) && error.code === 'JOB_CANCELLED'
  }
}
