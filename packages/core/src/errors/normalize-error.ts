import { describeValue } from './describe-value.js'

/**
 * Turns anything a handler threw into an Error. The one place unknown throwables are normalised:
 * `throw 'boom'` becomes an Error with message `boom`; `throw { message }` keeps its message.
 */
export function normalizeError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown
  if (typeof thrown === 'string') return new Error(thrown)
  if (
    typeof thrown === 'object' &&
    thrown !== null &&
    typeof (thrown as { message?: unknown }).message === 'string'
  ) {
    const error = new Error((thrown as { message: string }).message)
    const name = (thrown as { name?: unknown }).name
    if (typeof name === 'string') error.name = name
    return error
  }
  return new Error(`a handler threw a non-error value: ${describeValue(thrown)}`)
}
