import { type Document, isNumericWrapper, toNumber } from '../bson-values.js'
import { errorCodes, MongoCommandError } from '../errors.js'
import type { ServerState } from '../server-state.js'

/**
 * `maxTimeMS` as mongod applies it: validated on every command, then checked while the command
 * works (here: every {@link checkEveryRecords} records a query examines, and between pipeline
 * stages), failing with 50 MaxTimeMSExpired once the time is up. Commands run synchronously in this
 * server, so a check can only fire inside a long scan; mongod's `maxTimeAlwaysTimeOut` fail point
 * (see {@link setMaxTimeFailPoint}) makes any command that carries a maxTimeMS fail at once, which
 * is how driver test suites provoke the error deterministically.
 */

/** How many examined records pass between two clock reads. */
export const checkEveryRecords = 256

const maxInt32 = 2_147_483_647

interface FailPoint {
  /** Remaining activations; Infinity for alwaysOn. */
  remaining: number
}

const failPoints = new WeakMap<ServerState, FailPoint>()
const deadlines = new WeakMap<Document, number>()

/** Configures `maxTimeAlwaysTimeOut`: `alwaysOn`, `off` or `{ times: n }`. */
export function setMaxTimeFailPoint(server: ServerState, mode: unknown): void {
  if (mode === 'off') failPoints.delete(server)
  else if (mode === 'alwaysOn') failPoints.set(server, { remaining: Number.POSITIVE_INFINITY })
  else if (mode !== null && typeof mode === 'object' && 'times' in mode) {
    const times = toNumber((mode as Document).times) ?? 0
    if (times > 0) failPoints.set(server, { remaining: times })
    else failPoints.delete(server)
  } else {
    throw new MongoCommandError(errorCodes.badValue, `unsupported fail point mode: ${JSON.stringify(mode)}`)
  }
}

function expired(): MongoCommandError {
  return new MongoCommandError(errorCodes.maxTimeMSExpired, 'operation exceeded time limit')
}

/** mongod's parse of maxTimeMS: a non-negative integral number up to 2^31-1; 0 means no limit. */
function parseMaxTimeMS(value: unknown): number {
  if (value === null) throw new MongoCommandError(errorCodes.badValue, 'maxTimeMS must be a number')
  if (typeof value !== 'number' && !isNumericWrapper(value)) {
    throw new MongoCommandError(
      errorCodes.typeMismatch,
      `BSON field 'maxTimeMS' is the wrong type '${typeof value}', expected types '[long, int, decimal, double]'`,
    )
  }
  const milliseconds = toNumber(value) ?? Number.NaN
  if (!Number.isInteger(milliseconds)) {
    throw new MongoCommandError(errorCodes.badValue, 'maxTimeMS has non-integral value')
  }
  if (milliseconds < 0 || milliseconds > maxInt32) {
    throw new MongoCommandError(errorCodes.badValue, `${milliseconds} value for maxTimeMS is out of range`)
  }
  return milliseconds
}

/**
 * Starts the clock of a command (call once, before its handler runs). Throws for a malformed
 * maxTimeMS, and MaxTimeMSExpired when the fail point is on and the command has a maxTimeMS.
 */
export function startCommandDeadline(server: ServerState, command: Document): void {
  if (command.maxTimeMS === undefined) return
  const milliseconds = parseMaxTimeMS(command.maxTimeMS)
  const failPoint = failPoints.get(server)
  if (failPoint !== undefined) {
    failPoint.remaining -= 1
    if (failPoint.remaining <= 0) failPoints.delete(server)
    throw expired()
  }
  if (milliseconds > 0) deadlines.set(command, Date.now() + milliseconds)
}

/**
 * When a command's maxTimeMS runs out (epoch ms), or undefined without one: for commands that wait
 * (a write behind an open transaction) to stop waiting and throw {@link maxTimeExpiredError}.
 */
export function commandDeadlineMs(command: Document): number | undefined {
  return deadlines.get(command)
}

/** mongod's 50 MaxTimeMSExpired. */
export function maxTimeExpiredError(): MongoCommandError {
  return expired()
}

/** A check to call while a command works: throws MaxTimeMSExpired once its maxTimeMS is used up. */
export function deadlineCheck(command: Document): (() => void) | undefined {
  const expiresAtMs = deadlines.get(command)
  if (expiresAtMs === undefined) return undefined
  return () => {
    if (Date.now() > expiresAtMs) throw expired()
  }
}
