import type { Document } from 'mongodb'
import { SCHEDULE_CHANGE_FIELDS } from './schedule-change.js'
import { JOB_WAKE_FIELDS, jobWakeConditions } from './wake-pipeline.js'

/** The collections the database-level stream reports on. */
export interface StreamCollections {
  jobs: string
  schedules: string
}

/**
 * The pipeline of the one database-level change stream (`db.watch`), matched on the server and
 * projected to what the stream reads (the resume token `_id` always stays):
 *
 * - job events that can make a job claimable (`jobWakeConditions`), on the jobs collection only;
 * - every insert, update, replace and delete of the schedules collection, for `onScheduleChange`;
 * - `drop` and `rename` of either collection (a database stream is not invalidated by them: it
 *   sees them and goes on, manual "Change Events: drop / rename"), after which the stream reports
 *   `reconnected` so the runtime catches up;
 * - `invalidate`, which ends a database stream when the database is dropped: mongod returns it
 *   whatever the `$match` says, and it is matched here too so no server filters it out.
 */
export function streamPipeline(collections: StreamCollections, types: string[]): Document[] {
  const watched = [collections.jobs, collections.schedules]
  const projection: Document = { operationType: 1, 'ns.coll': 1, 'to.coll': 1 }
  for (const field of [...JOB_WAKE_FIELDS, ...SCHEDULE_CHANGE_FIELDS]) projection[field] = 1
  return [
    {
      $match: {
        $or: [
          { 'ns.coll': collections.jobs, $or: jobWakeConditions(types) },
          {
            'ns.coll': collections.schedules,
            operationType: { $in: ['insert', 'update', 'replace', 'delete'] },
          },
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
export type StreamEventKind = 'job' | 'schedule' | 'collectionReset' | 'invalidate' | 'other'

export function streamEventKind(event: Document, collections: StreamCollections): StreamEventKind {
  const operation = event.operationType
  if (operation === 'invalidate') return 'invalidate'
  const collection = event.ns?.coll
  if (operation === 'drop' || operation === 'rename') {
    const target = event.to?.coll
    const watched = [collections.jobs, collections.schedules]
    return watched.includes(collection) || watched.includes(target) ? 'collectionReset' : 'other'
  }
  if (collection === collections.jobs) return 'job'
  if (collection === collections.schedules) return 'schedule'
  return 'other'
}
