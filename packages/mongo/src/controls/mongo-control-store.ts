import type { ControlStore, SetTypeControlParams, TypeControl } from '@durabl/core'
import { runOperation } from '../to-backend-error.js'
import type { ControlContext } from './control-document.js'
import { listTypeControls } from './list-type-controls.js'
import { setTypeControl } from './set-type-control.js'

/**
 * `MongoBackend.controls`: fleet-wide pause and resume per job type, one document per type in its
 * own collection (`controlsCollectionName`, `_id` = the type). Changes reach every worker through
 * the backend's one change stream (`onControlChange`). One operation per file in this folder.
 */
export class MongoControlStore implements ControlStore {
  constructor(private readonly context: ControlContext) {}

  setTypeControl(params: SetTypeControlParams): Promise<TypeControl> {
    return runOperation('setTypeControl', () => setTypeControl(this.context, params))
  }

  listTypeControls(_params: Record<string, never>): Promise<TypeControl[]> {
    return runOperation('listTypeControls', () => listTypeControls(this.context))
  }
}
