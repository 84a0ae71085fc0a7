const MARKER = Symbol.for('durabl.error')

/** The stable codes of every error durabl throws. */
export type DurablErrorCode =
  | 'DURABL_ERROR'
  | 'VALIDATION'
  | 'INVALID_PAYLOAD'
  | 'UNRECOVERABLE'
  | 'LEASE_LOST'
  | 'JOB_TIMEOUT'
  | 'JOB_CANCELLED'
  | 'SHUTDOWN'
  | 'NOT_SUPPORTED'
  | 'QUEUE_STATE'
  | 'BACKEND'
  | 'JOB_NOT_FOUND'
  | 'THREAD_CRASHED'

/**
 * The base of every error durabl throws. `code` is stable across versions; match on it (or use
 * the `isInstance` checks, which work across two copies of the package), not on messages.
 */
export class DurablError extends Error {
  readonly code: DurablErrorCode
  readonly [MARKER] = true

  constructor(code: DurablErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'DurablError'
    this.code = code
  }

  static isInstance(error: unknown): error is DurablError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true
  }
}

/** True when `error` is a DurablError with this code (works across package copies). */
export function hasDurablCode(error: unknown, code: DurablErrorCode): error is DurablError {
  return DurablError.isInstance(error) && error.code === code
}
