import { DurablError } from './durabl-error.js'

/** No job has this id. */
export class JobNotFoundError extends DurablError {
  readonly jobId: string

  constructor(jobId: string) {
    super('JOB_NOT_FOUND', `no job has id ${JSON.stringify(jobId)}`)
    this.name = 'JobNotFoundError'
    this.jobId = jobId
  }

  static override isInstance(error: unknown): error is JobNotFoundError {
    return DurablError.isInstance(error) && error.code === 'JOB_NOT_FOUND'
  }
}
