import { DurablError } from '../errors/durabl-error.js'
import type { JobError } from '../job.js'

/** The stored record of an attempt's error (a failure, or the reason a running job was cancelled). */
export function toJobError(error: Error, attempt: number, fatal: boolean, at: Date): JobError {
  const ownCode = (error as { code?: unknown }).code
  return {
    attempt,
    name: error.name,
    message: error.message,
    code: DurablError.isInstance(error) ? error.code : typeof ownCode === 'string' ? ownCode : null,
    stack: error.stack ?? null,
    fatal,
    at,
  }
}
