import type { Document } from 'mongodb'
import { CANCEL_REQUEST_CONDITION, CANCEL_REQUEST_FIELDS } from './cancel-request.js'
import { CONTROL_CHANGE_FIELDS } from './control-change.js'
import { SCHEDULE_CHANGE_FIELDS } from './schedule-change.js'
import { JOB_WAKE_FIELDS, jobWakeConditions } from './wake-pipeline.js'

/** The collections the database-level stream reports on. */
export interface StreamCollections {
  jobs: string
  schedules: string
  controls: string
}

/** Inserts, updates, replaces and deletes: the events of a collection watched whole. */
const DOCUMENT_EVENTS = ['insert', 'update', 'replace', 'delete']

/**
 * The pipeline of the one database-level change stream (`db.watch`), matched on the server and
 * projected to what the stream reads (the resume token `_id` always stays):
 *
 * - job events that can make a job claimable (`jobWakeConditions`), and those that request the
 *   cancel of a running job (`CANCEL_REQUEST_CONDITION`), on the jobs collection only;
 * - every insert, update, replace and delete of the schedules collection, for `onScheduleChange`,
 *   and of the controls collection, for `onControlChange`;
 * - `drop` and `rename` of any of them (a database stream is not invalidated by them: it
 *   sees them and goes on, manual "Change Events: drop / rename"), after which the stream reports
 *   `reconnected` so the runtime catches up;
 * - `invalidate`, which ends a database stream when the database is dropped: mongod returns it
 *   whatever the `$match` says, and it is matched here too so no server filters it out.
 */
export function streamPipeline(collections: StreamCollections, types: string[]): Document[] {
  const watched = watchedCollections(collections)
  const projection: Document = { operationType: 1, 'ns.coll': 1, 'to.coll': 1 }
  const fields = [
    ...JOB_WAKE_FIELDS,
    ...CANCEL_REQUEST_FIELDS,
    ...SCHEDULE_CHANGE_FIELDS,
    ...CONTROL_CHANGE_FIELDS,
  ]
  for (const field of fields) projection[field] = 1
  return [
    {
      $match: {
        $or: [
          { 'ns.coll': collections.jobs, $or: [...jobWakeConditions(types), CANCEL_REQUEST_CONDITION] },
          { 'ns.coll': collections.schedules, operationType: { $in: DOCUMENT_EVENTS } },
          { 'ns.coll': collections.controls, operationType: { $in: DOCUMENT_EVENTS } },
          { operationType: { $in: ['drop', 'rename'] }, 'ns.coll': { $in: watched } },
          { operationType: 'rename', 'to.coll': { $in: watched } },
          { operationType: 'invalidate' },
        ],
      },
    },
    { $project: projection },
  ]
}

/** What one projected event is for. */
export type StreamEventKind = 'job' | 'schedule' | 'control' | 'collectionReset' | 'invalidate' | 'other'

function watchedCollections(collections: StreamCollections): string[] {
  return [collections.jobs, collections.schedules, collections.controls]
}

export function streamEventKind(event: Document, collections: StreamCollections): StreamEventKind {
  const operation = event.operationType
  if (operation === 'invalidate') return 'invalidate'
  const collection = event.ns?.coll
  if (operation === 'drop' || operation === 'rename') {
    const target = event.to?.coll
    const watched = watchedCollections(collections)
    return watched.includes(collection) || watched.includes(target) ? 'collectionReset' : 'other'
  }
  if (collection === collections.jobs) return 'job'
  if (collection === collections.schedules) return 'schedule'
  if (collection === collections.controls) return 'control'
  return 'other'
}
