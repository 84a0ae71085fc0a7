import { DurablError } from './durabl-error.js'

/** A storage operation failed. Messages never carry credentials or job payloads. */
export class BackendError extends DurablError {
  /** The backend method that failed, such as `claimJobs`. */
  readonly operation: string
  /** True when retrying the same operation later may succeed (a lost connection, a failover). */
  readonly transient: boolean

  constructor(operation: string, message: string, options: { cause?: unknown; transient?: boolean } = {}) {
    super('BACKEND', `${operation} failed: ${message}`, { cause: options.cause })
    this.name = 'BackendError'
    this.operation = operation
    this.transient = options.transient ?? false
  }

  static override isInstance(error: unknown): error is BackendError {
    return DurablError.isInstance(error) && error.code === 'BACKEND'
  }
}
