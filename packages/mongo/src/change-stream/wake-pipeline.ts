import type { PushWake } from '@durabl/core'
import type { Document } from 'mongodb'

/**
 * The job events that can make a job claimable, as `$match` conditions on the jobs collection's
 * events of the stream (see `streamPipeline`), filtered on the server, without `updateLookup`:
 *
 * - inserts of pending jobs of the subscribed types (the insert event carries the full document);
 * - updates whose `$set` made `state` pending (retry, release, recovery, an operator's rerun).
 *   An update event carries only the changed fields, and a field set to the value it already had
 *   is not among them, so the job type is not reliably there: those wakes carry no type;
 * - replacements of the document by a pending job of the subscribed types: mongod logs a pipeline
 *   update as a replacement when that is smaller than the delta, and a change stream then reports
 *   `replace` with the full document (jstests/core/.../pipeline_update_oplog.js).
 */
export function jobWakeConditions(types: string[]): Document[] {
  return [
    { operationType: 'insert', 'fullDocument.state': 'pending', 'fullDocument.type': { $in: types } },
    { operationType: 'update', 'updateDescription.updatedFields.state': 'pending' },
    { operationType: 'replace', 'fullDocument.state': 'pending', 'fullDocument.type': { $in: types } },
  ]
}

/** What a wake reads from a projected job event (see `streamPipeline`'s `$project`). */
export const JOB_WAKE_FIELDS = [
  'fullDocument.type',
  'fullDocument.runAt',
  'updateDescription.updatedFields.runAt',
]

/** A wake from one projected change event; `runAt` falls back to now when the event lacks it. */
export function wakeFromChange(change: Document): PushWake {
  if (change.operationType === 'insert' || change.operationType === 'replace') {
    const runAt = change.fullDocument?.runAt
    return { type: change.fullDocument?.type, runAt: runAt instanceof Date ? runAt : new Date() }
  }
  const runAt = change.updateDescription?.updatedFields?.runAt
  return { runAt: runAt instanceof Date ? runAt : new Date() }
}
