import { createHash } from 'node:crypto'
import type { ScheduleDefinition } from '../schedule.js'
import { canonicalJson } from './canonical-json.js'

/**
 * Hashes of a resolved definition, equal in every process for equal definitions (key order and
 * object identity do not matter): SHA-256, hex, of its canonical JSON.
 * - `definitionHash` covers every field: an `upsert` with an equal hash changes nothing.
 * - `timingHash` covers the fields that decide occurrences: `cron`, `everyMs`, `timezone`,
 *   `startAt`, `endAt`. When it changes, the next occurrence must be computed again.
 */
export function scheduleHashes(definition: ScheduleDefinition): {
  definitionHash: string
  timingHash: string
} {
  const { cron, everyMs, timezone, startAt, endAt } = definition
  return {
    definitionHash: sha256Hex(canonicalJson(definition)),
    timingHash: sha256Hex(canonicalJson({ cron, everyMs, timezone, startAt, endAt })),
  }
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}
