import type { ScheduleChange } from '@durabl/core'
import type { Document } from 'mongodb'

/** The schedule fields a change reports, those that decide when it fires. */
const FIRING_FIELDS = ['nextRunAt', 'rev', 'owner', 'paused'] as const

/** What a schedule change reads from a projected event (see `streamPipeline`'s `$project`). */
export const SCHEDULE_CHANGE_FIELDS = [
  'documentKey._id',
  ...FIRING_FIELDS.map((field) => `fullDocument.${field}`),
  ...[...FIRING_FIELDS, 'definitionHash'].map((field) => `updateDescription.updatedFields.${field}`),
]

/**
 * The {@link ScheduleChange} of one event of the schedules collection, or null for an event that
 * names no schedule:
 * - `insert` / `replace`: every firing field, and `definitionChanged` (read it again);
 * - `delete`: `deleted`;
 * - `update`: the firing fields among `updatedFields` (a field set to the value it had is not
 *   there: it did not change), and `definitionChanged` when `definitionHash` is among them, which
 *   every definition change writes.
 */
export function scheduleChangeFromEvent(event: Document): ScheduleChange | null {
  const id = event.documentKey?._id
  if (typeof id !== 'string') return null
  switch (event.operationType) {
    case 'insert':
    case 'replace':
      return { id, deleted: false, definitionChanged: true, ...firingFields(event.fullDocument) }
    case 'delete':
      return { id, deleted: true, definitionChanged: false }
    case 'update': {
      const updated: Document = event.updateDescription?.updatedFields ?? {}
      return { id, deleted: false, definitionChanged: 'definitionHash' in updated, ...firingFields(updated) }
    }
    default:
      return null
  }
}

function firingFields(source: Document | undefined): Partial<ScheduleChange> {
  const fields: Partial<ScheduleChange> = {}
  if (source === undefined || source === null) return fields
  if ('nextRunAt' in source) fields.nextRunAt = source.nextRunAt instanceof Date ? source.nextRunAt : null
  if ('rev' in source) fields.rev = Number(source.rev)
  if ('owner' in source) fields.owner = typeof source.owner === 'string' ? source.owner : null
  if ('paused' in source) fields.paused = source.paused === true
  return fields
}
