import { DurablError } from './durabl-error.js'

/**
 * This worker no longer holds the job's lease (it expired and another worker may own the job), so
 * its complete, fail or heartbeat changed nothing. Also the reason of `ctx.signal` when the lease is lost.
 */
export class LeaseLostError extends DurablError {
  readonly jobId: string

  constructor(jobId: string) {
    super('LEASE_LOST', `the lease on job ${jobId} was lost; this worker's outcome was not applied`)
    this.name = 'LeaseLostError'
    this.jobId = jobId
  }

  static override isInstance(error: unknown): error is LeaseLostError {
    return DurablError.isInstance(error) && error.code === 'LEASE_LOST'
  }
}
