import { ValidationError } from '../errors/validation-error.js'
import { MAXIMUMS } from '../options.js'

/** When a job snoozed at `now` for `delayMs` is due again; a ValidationError naming `delayMs` otherwise. */
export function snoozeUntil(now: Date, delayMs: unknown): Date {
  if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) {
    throw new ValidationError('delayMs', 'must be a finite number of milliseconds >= 0', delayMs)
  }
  const runAtMs = now.getTime() + delayMs
  if (runAtMs > MAXIMUMS.dateMs) {
    throw new ValidationError(
      'delayMs',
      `must put the due time at or before the latest Date (${new Date(MAXIMUMS.dateMs).toISOString()})`,
      delayMs,
    )
  }
  return new Date(runAtMs)
}
