import { type JobUpdates, ValidationError } from '@durabl/core'
import type { Document } from 'mongodb'
import { cappedLogEntry } from '../size-caps.js'

/**
 * The `$set` and `$push` parts that store what a worker accumulated (progress, log lines) along
 * with a lease-guarded write, so a heartbeat or an acknowledgement carries them in the same
 * round trip. Logs are capped with `$slice` to the newest `maxLogEntries`, each line's message
 * to 4 KiB (see size-caps.ts).
 */
export function jobUpdatesModifier(
  updates: JobUpdates,
  maxLogEntries: number,
  field: string,
): { set: Document; push: Document } {
  const set: Document = {}
  const push: Document = {}
  if (updates.progress !== undefined) set.progress = updates.progress
  if (updates.logs !== undefined) {
    if (!Array.isArray(updates.logs))
      throw new ValidationError(`${field}.logs`, 'must be an array', updates.logs)
    if (updates.logs.length > 0)
      push.logs = { $each: updates.logs.map(cappedLogEntry), $slice: -maxLogEntries }
  }
  return { set, push }
}

/** Builds an update document, leaving out empty operators (MongoDB rejects `$push: {}`). */
export function updateDocument(parts: {
  set?: Document
  push?: Document
  inc?: Document
  unset?: Document
}): Document {
  const update: Document = {}
  if (parts.set && Object.keys(parts.set).length > 0) update.$set = parts.set
  if (parts.push && Object.keys(parts.push).length > 0) update.$push = parts.push
  if (parts.inc && Object.keys(parts.inc).length > 0) update.$inc = parts.inc
  if (parts.unset && Object.keys(parts.unset).length > 0) update.$unset = parts.unset
  return update
}
