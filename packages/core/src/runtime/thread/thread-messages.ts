import { DurablError } from '../../errors/durabl-error.js'
import { UnrecoverableError } from '../../errors/unrecoverable-error.js'
import type { Job } from '../../job.js'

/** The messages between a pool and its threads; thread-entry.js is the other end, keep them in step. */

/** The main thread's abort reason, as the thread rebuilds it. */
export interface SerializedReason {
  name: string
  message: string
  code: string | null
  /** Rebuilt with the DurablError marker, so `JobTimeoutError.isInstance()` works in the thread. */
  durabl: boolean
}

/** A handler's error as the thread sends it. */
export interface SerializedError {
  name: string
  message: string
  stack: string | null
  code: string | null
  /** An UnrecoverableError (of any copy of @durabl/core): the job fails for good. */
  fatal: boolean
}

export type ToThreadMessage =
  | { kind: 'run'; runId: number; job: Job }
  | { kind: 'abort'; runId: number; reason: SerializedReason }

export type FromThreadMessage =
  | { kind: 'log'; runId: number; message: string }
  | { kind: 'progress'; runId: number; value: unknown }
  | { kind: 'settled'; runId: number; ok: true; result: unknown }
  /** `retire`: the module could not be loaded in this thread; replace the thread. */
  | { kind: 'settled'; runId: number; ok: false; error: SerializedError; retire?: boolean }

export function serializeReason(reason: unknown): SerializedReason {
  const error = reason instanceof Error ? reason : new Error(String(reason))
  const code = (error as { code?: unknown }).code
  return {
    name: error.name,
    message: error.message,
    code: typeof code === 'string' ? code : null,
    durabl: DurablError.isInstance(error),
  }
}

/** The thread's error as an Error the attempt runner records: an UnrecoverableError when fatal. */
export function reviveError(serialized: SerializedError): Error {
  const error = serialized.fatal ? new UnrecoverableError(serialized.message) : new Error(serialized.message)
  error.name = serialized.name
  if (serialized.stack !== null) error.stack = serialized.stack
  if (serialized.code !== null && !serialized.fatal) Object.assign(error, { code: serialized.code })
  return error
}
