import type { ControlChange } from '@durabl/core'
import type { Document } from 'mongodb'

/** What a control change reads from a projected event (see `streamPipeline`'s `$project`). */
export const CONTROL_CHANGE_FIELDS = [
  'documentKey._id',
  'fullDocument.paused',
  'fullDocument.rev',
  'updateDescription.updatedFields.paused',
  'updateDescription.updatedFields.rev',
]

/**
 * The {@link ControlChange} of one event of the controls collection, or null for an event that
 * names no type. `paused` and `rev` are there when the event carries them: an insert or a replace
 * has the whole document, an update only the fields it changed (a field set to the value it had is
 * not among them), a delete neither.
 */
export function controlChangeFromEvent(event: Document): ControlChange | null {
  const type = event.documentKey?._id
  if (typeof type !== 'string') return null
  const source: Document | undefined =
    event.operationType === 'update' ? event.updateDescription?.updatedFields : event.fullDocument
  const change: ControlChange = { type }
  if (source !== undefined && source !== null) {
    if (typeof source.paused === 'boolean') change.paused = source.paused
    if (source.rev !== undefined && source.rev !== null) change.rev = Number(source.rev)
  }
  return change
}
