import {
  BackendError,
  type SetTypeControlParams,
  type TypeControl,
  validateSetTypeControl,
} from '@durabl/core'
import { type Document, MongoServerError } from 'mongodb'
import { commandComment } from '../command-comment.js'
import { DUPLICATE_KEY } from '../operations/run-bulk-write.js'
import { type ControlContext, toTypeControl } from './control-document.js'

/**
 * Sets the given fields of the type's control in one `findAndModify` by `_id` with `upsert`, and
 * returns the document as written. The fields not set are given their defaults only when the write
 * creates the document (`$setOnInsert`). Two processes upserting one new `_id` at once create it
 * once: the `_id` index refuses the second insert, and mongod (4.2 and later, SERVER-37124 and
 * SERVER-47212 for findAndModify) retries such an upsert as an update when its query is an
 * equality on the index's key, as this one is (manual, "db.collection.findOneAndUpdate()",
 * "Upsert with Duplicate Values"). A server that still reports E11000 gets the write once more
 * here, which then finds the document.
 */
export async function setTypeControl(
  context: ControlContext,
  params: SetTypeControlParams,
): Promise<TypeControl> {
  const { type, set, now } = validateSetTypeControl(params)
  const fields: Document = { updatedAt: now }
  const defaults: Document = {}
  if (set.paused !== undefined) fields.paused = set.paused
  else defaults.paused = false
  if (set.limits !== undefined) fields.limits = set.limits
  else defaults.limits = null
  const write = () =>
    context.controls.findOneAndUpdate(
      { _id: type },
      {
        $set: fields,
        $inc: { rev: 1 },
        ...(Object.keys(defaults).length > 0 ? { $setOnInsert: defaults } : {}),
      },
      { upsert: true, returnDocument: 'after', comment: commandComment('setTypeControl') },
    )
  let written: Awaited<ReturnType<typeof write>>
  try {
    written = await write()
  } catch (error) {
    if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error
    written = await write()
  }
  if (written === null) {
    // An upsert returning the document after the write always finds one.
    throw new BackendError('setTypeControl', `the control of type ${JSON.stringify(type)} was not returned`)
  }
  return toTypeControl(written)
}
