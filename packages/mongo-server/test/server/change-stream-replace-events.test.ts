import { describe, expect, it } from 'vitest'
import { useMongo } from '../../src/harness.js'
import { nextEvents, opened } from './change-stream-reading.js'

const mongo = await useMongo()

/**
 * mongod: replacing a whole document (`replaceOne`, `findOneAndReplace`) is reported as a `replace`
 * event carrying the new document in `fullDocument` and `documentKey`, with no
 * `updateDescription`; an update with operators is an `update` event (manual, "Change Events:
 * replace", "update"). (A pipeline update is logged as a replacement when its delta would not be
 * smaller than the new document, jstests/core/write/update/pipeline_update_oplog.js, so it may
 * surface as `replace` too; the in-process server always reports pipeline updates as `update`.)
 */
describe('replace events', () => {
  it('replaceOne and findOneAndReplace give replace events with the full document', async (context) => {
    mongo.require(context, 'changeStreams')
    const db = await mongo.db()
    const jobs = db.collection('jobs')
    await jobs.insertOne({ _id: 'a' as never, state: 'pending', attempts: 0 })
    const stream = await opened(jobs.watch([], { maxAwaitTimeMS: 100 }))
    await jobs.replaceOne({ _id: 'a' as never }, { state: 'active' })
    await jobs.findOneAndReplace({ _id: 'a' as never }, { state: 'done', result: 1 })
    await jobs.updateOne({ _id: 'a' as never }, { $set: { state: 'archived' } })
    const events = await nextEvents(stream, 3)
    await stream.close()
    expect(events.map((event) => event.operationType)).toEqual(['replace', 'replace', 'update'])
    expect(events[0]?.fullDocument).toEqual({ _id: 'a', state: 'active' })
    expect(events[1]?.fullDocument).toEqual({ _id: 'a', state: 'done', result: 1 })
    for (const replace of events.slice(0, 2)) {
      expect(replace.documentKey).toEqual({ _id: 'a' })
      expect(replace.ns).toEqual({ db: db.databaseName, coll: 'jobs' })
      expect(replace).not.toHaveProperty('updateDescription')
    }
    expect(events[2]?.updateDescription.updatedFields).toEqual({ state: 'archived' })
  })
})
