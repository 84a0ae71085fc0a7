import { DurablError } from './durabl-error.js'

/** The queue is shutting down: the reason of `ctx.signal` when the grace period ends. */
export class ShutdownError extends DurablError {
  constructor(message = 'the queue is shutting down and the grace period ended') {
    super('SHUTDOWN', message)
    this.name = 'ShutdownError'
  }

  static override isInstance(error: unknown): error is ShutdownError {
    return DurablError.isInstance(error) && error.code === 'SHUTDOWN'
  }
}
