import { DurablError } from './durabl-error.js'

/** The backend lacks a capability the call needs, such as `transactions` for `{ session }`. */
export class NotSupportedError extends DurablError {
  constructor(message: string) {
    super('NOT_SUPPORTED', message)
    this.name = 'NotSupportedError'
  }

  static override isInstance(error: unknown): error is NotSupportedError {
    return DurablError.isInstance(error) && error.code === 'NOT_SUPPORTED'
  }
}
