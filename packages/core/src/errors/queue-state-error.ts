import { DurablError } from './durabl-error.js'

/** The call does not fit the queue's lifecycle, such as `process()` after `shutdown()`. */
export class QueueStateError extends DurablError {
  constructor(message: string) {
    super('QUEUE_STATE', message)
    this.name = 'QueueStateError'
  }

  static override isInstance(error: unknown): error is QueueStateError {
    return DurablError.isInstance(error) && error.code === 'QUEUE_STATE'
  }
}
