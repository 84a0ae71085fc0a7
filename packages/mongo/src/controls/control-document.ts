import type { TypeControl } from '@durabl/core'
import type { Collection } from 'mongodb'

/**
 * One type's flow control in the controls collection (`controlsCollectionName`): `_id` is the job
 * type (or `'*'` for every type), so each type has at most one document and a write is one
 * upsert by `_id`. `limits` is stored as given and read by nobody but its writer (`queue.limits`).
 */
export interface ControlDocument {
  _id: string
  paused: boolean
  limits: unknown
  rev: number
  updatedAt: Date
}

/** What the control store's operations receive. */
export interface ControlContext {
  controls: Collection<ControlDocument>
}

export function toTypeControl(document: ControlDocument): TypeControl {
  return {
    type: document._id,
    paused: document.paused === true,
    limits: document.limits ?? null,
    rev: Number(document.rev),
    updatedAt: document.updatedAt,
  }
}
