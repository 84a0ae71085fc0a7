import type { TypeControl } from '@durabl/core'
import { commandComment } from '../command-comment.js'
import { type ControlContext, toTypeControl } from './control-document.js'

/**
 * Every control, sorted by type: one `find` walking the `_id` index. There is one small document
 * per controlled type, so every worker reads the whole collection at startup, after a change, and
 * once per poll interval.
 */
export async function listTypeControls(context: ControlContext): Promise<TypeControl[]> {
  const documents = await context.controls
    .find({}, { sort: { _id: 1 }, comment: commandComment('listTypeControls') })
    .toArray()
  return documents.map(toTypeControl)
}
