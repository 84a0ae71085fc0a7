import { BackendError, DurablError } from '@durabl/core'
import {
  MongoBulkWriteError,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb'
import { redact } from './redact.js'

/**
 * Server error codes after which the same operation may succeed later: elections, step-downs,
 * shutdowns, network trouble seen by the server, write conflicts, exceeded time limits.
 */
const TRANSIENT_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  50, // MaxTimeMSExpired
  89, // NetworkTimeout
  91, // ShutdownInProgress
  112, // WriteConflict
  133, // FailedToSatisfyReadPreference
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
])

const TRANSIENT_LABELS = [
  'RetryableWriteError',
  'TransientTransactionError',
  'ResetPool',
  'SystemOverloadedError',
]

/** True when retrying later may succeed: a lost connection, a failover, no primary for a while. */
export function isTransientMongoError(error: unknown, depth = 0): boolean {
  // The user closed the client: no retry brings it back.
  if (error instanceof MongoTopologyClosedError || error instanceof MongoNotConnectedError) return false
  // bulkWrite wraps the driver error that stopped it (server selection, network) in a
  // MongoBulkWriteError and keeps the original in `errorResponse`; judge the original.
  if (depth < 3 && error instanceof MongoBulkWriteError && error.errorResponse instanceof Error) {
    return isTransientMongoError(error.errorResponse, depth + 1)
  }
  if (
    depth < 3 &&
    error instanceof Error &&
    error.cause instanceof Error &&
    isTransientMongoError(error.cause, depth + 1)
  ) {
    return true
  }
  if (error instanceof MongoNetworkError || error instanceof MongoServerSelectionError) return true
  if (!(error instanceof MongoError)) return false
  if (TRANSIENT_LABELS.some((label) => error.hasErrorLabel(label))) return true
  if (error.name === 'MongoPoolClearedError' || error.name === 'MongoNetworkTimeoutError') return true
  return typeof error.code === 'number' && TRANSIENT_CODES.has(error.code)
}

/**
 * A copy of a driver error that is safe to keep as `cause`: message redacted, and only the fields
 * that help diagnosis (`name`, `code`, `codeName`, labels). Driver errors can carry connection
 * details in nested fields, so the original is not kept.
 */
function safeCause(error: unknown): Error {
  if (!(error instanceof Error)) return new Error(redact(String(error)))
  const copy = new Error(redact(error.message))
  copy.name = error.name
  const source = error as Error & { code?: unknown; codeName?: unknown; errorLabels?: unknown }
  const target = copy as Error & Record<string, unknown>
  if (source.code !== undefined) target.code = source.code
  if (typeof source.codeName === 'string') target.codeName = source.codeName
  if (error instanceof MongoError) target.errorLabels = [...error.errorLabels]
  return copy
}

/** Turns anything a driver call threw into a BackendError (DurablErrors pass through). */
export function toBackendError(operation: string, error: unknown): Error {
  if (DurablError.isInstance(error)) return error
  const transient = isTransientMongoError(error)
  const name = error instanceof Error ? error.name : 'Error'
  const message = error instanceof Error ? error.message : String(error)
  return new BackendError(operation, redact(`${name}: ${message}`), { cause: safeCause(error), transient })
}

/** Runs one backend operation, turning driver errors into BackendErrors. */
export async function runOperation<T>(operation: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body()
  } catch (error) {
    throw toBackendError(operation, error)
  }
}
