import { DurablError } from './durabl-error.js'

/**
 * Throw this from a handler when retrying cannot help (bad input, a 404): the job fails at once,
 * whatever attempts remain.
 */
export class UnrecoverableError extends DurablError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNRECOVERABLE', message, options)
    this.name = 'UnrecoverableError'
  }

  static override isInstance(error: unknown): error is UnrecoverableError {
    return DurablError.isInstance(error) && error.code === 'UNRECOVERABLE'
  }
}
