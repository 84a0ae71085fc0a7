import { createHash } from 'node:crypto'
import { occurrenceKey } from '../schedule.js'

/**
 * How much later than its occurrence a schedule's job is due: a whole number of ms in
 * `[0, jitterMs]`, drawn from a SHA-256 of the schedule id and the occurrence instant, so every
 * process computes the same delay for the same occurrence. 0 when `jitterMs` is 0.
 */
export function occurrenceJitterMs(scheduleId: string, occurrence: Date, jitterMs: number): number {
  if (!(jitterMs >= 1)) return 0
  const digest = createHash('sha256').update(occurrenceKey(scheduleId, occurrence)).digest()
  // 48 bits: exact in a double and far wider than any jitter, so the modulo bias is negligible.
  return digest.readUIntBE(0, 6) % (Math.floor(jitterMs) + 1)
}
