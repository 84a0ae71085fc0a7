import { describeValue } from './describe-value.js'
import { DurablError } from './durabl-error.js'

/**
 * An option or argument broke a rule. The message names the field, the rule and the value:
 * `priority must be a finite integer, got NaN`.
 */
export class ValidationError extends DurablError {
  readonly field: string
  readonly rule: string
  readonly value: unknown

  constructor(field: string, rule: string, value: unknown) {
    super('VALIDATION', `${field} ${rule}, got ${describeValue(value)}`)
    this.name = 'ValidationError'
    this.field = field
    this.rule = rule
    this.value = value
  }

  static override isInstance(error: unknown): error is ValidationError {
    return DurablError.isInstance(error) && error.code === 'VALIDATION'
  }
}
