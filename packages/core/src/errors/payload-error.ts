import { DurablError } from './durabl-error.js'

/** Job data that cannot be stored: a function, a symbol, a cycle, or more than `maxPayloadBytes`. */
export class PayloadError extends DurablError {
  /** Where in the data the offending value sits, such as `data.user.callback`. */
  readonly path: string

  constructor(path: string, problem: string) {
    super('INVALID_PAYLOAD', `${path} ${problem}`)
    this.name = 'PayloadError'
    this.path = path
  }

  static override isInstance(error: unknown): error is PayloadError {
    return DurablError.isInstance(error) && error.code === 'INVALID_PAYLOAD'
  }
}
