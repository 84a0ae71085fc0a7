import { describe, expect, it } from 'vitest'
import { useMongo } from '../../src/harness.js'
import { nextEvents, opened } from './change-stream-reading.js'

const mongo = await useMongo()

/**
 * mongod: replacing a whole document (`replaceOne`, `findOneAndReplace`) is reported as a `replace`
 * event carrying the new document in `fullDocument` and `documentKey`, with no
 * `updateDescription`; an update with operators is an `update` event (manual, "Change Events:
 * replace", "update").
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

/**
 * mongod: a pipeline update is logged as a delta ($v: 2 diff) only when the diff is smaller than the
 * new document (with 15 bytes of padding), otherwise as a replacement, which a change stream
 * reports as `replace` with `fullDocument` (src/mongo/db/update/document_diff_calculator.cpp
 * `computeOplogDiff`, used by the pipeline executor; /work/shared/notes/real-mongodb-behaviour.md).
 * Rewriting most of a small document gives `replace`; changing one field of a large one, `update`.
 */
describe('pipeline updates', () => {
  it('are replace events when the delta is not smaller than the document, update events otherwise', async (context) => {
    mongo.require(context, 'changeStreams')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertMany([
      { _id: 'small' as never, n: 1 },
      { _id: 'large' as never, n: 1, payload: 'x'.repeat(1_000) },
    ])
    const stream = await opened(jobs.watch([], { maxAwaitTimeMS: 100 }))
    await jobs.updateOne({ _id: 'small' as never }, [{ $set: { n: 2, state: 'pending' } }])
    await jobs.updateOne({ _id: 'large' as never }, [{ $set: { n: 2 } }])
    await jobs.findOneAndUpdate({ _id: 'small' as never }, [{ $set: { n: 3, state: 'active' } }])
    const events = await nextEvents(stream, 3)
    await stream.close()
    expect(events.map((event) => event.operationType)).toEqual(['replace', 'update', 'replace'])
    expect(events[0]?.fullDocument).toEqual({ _id: 'small', n: 2, state: 'pending' })
    expect(events[1]?.updateDescription.updatedFields).toEqual({ n: 2 })
    expect(events[2]?.fullDocument).toEqual({ _id: 'small', n: 3, state: 'active' })
  })
})
