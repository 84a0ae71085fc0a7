import type { Document } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { useMongo } from '../../src/harness.js'
import { eventsUntilClosed, nextEvents, opened, rejection } from './change-stream-reading.js'

const mongo = await useMongo()

/** The fields the manual lists for an event; `collectionUUID` only comes with showExpandedEvents. */
function expectEventBasics(event: Document | undefined): void {
  expect(typeof event?._id?._data).toBe('string')
  expect(event?.clusterTime?._bsontype).toBe('Timestamp')
  expect(event?.wallTime).toBeInstanceOf(Date)
}

/**
 * mongod: a stream on a collection gets `drop`, `rename` (with `to`) or, for its database,
 * `drop`, each followed by `invalidate`, and the cursor is closed (manual, "Change Events:
 * invalidate", "drop", "rename"; jstests/change_streams/metadata_notifications.js). The invalidate
 * event carries `_id`, `operationType`, `clusterTime` and `wallTime` only, its cluster time being
 * that of the operation that caused it. With the Node driver the stream reports `closed` once the
 * invalidate has been read, and `tryNext` returns null from then on.
 */
describe('a change stream on a collection', () => {
  it('gets drop then invalidate when the collection is dropped, and closes', async (context) => {
    mongo.require(context, 'changeStreams')
    const db = await mongo.db()
    const jobs = db.collection('jobs')
    await jobs.insertOne({ _id: 'seed' as never })
    const stream = await opened(jobs.watch([], { maxAwaitTimeMS: 100 }))
    await jobs.drop()
    const events = await eventsUntilClosed(stream)
    expect(events.map((event) => event.operationType)).toEqual(['drop', 'invalidate'])
    const [drop, invalidate] = events
    expectEventBasics(drop)
    expect(drop?.ns).toEqual({ db: db.databaseName, coll: 'jobs' })
    expectEventBasics(invalidate)
    expect(invalidate).not.toHaveProperty('ns')
    expect(invalidate?.clusterTime.equals(drop?.clusterTime)).toBe(true)
    expect(invalidate?._id).not.toEqual(drop?._id)
    expect(stream.closed).toBe(true)
    expect(await stream.tryNext()).toBeNull()
    await stream.close()
  })

  it('gets rename (with `to`) then invalidate when the collection is renamed', async (context) => {
    mongo.require(context, 'changeStreams')
    const db = await mongo.db()
    const jobs = db.collection('jobs')
    await jobs.insertOne({ _id: 'seed' as never })
    const stream = await opened(jobs.watch([], { maxAwaitTimeMS: 100 }))
    await jobs.rename('jobs_renamed')
    const events = await eventsUntilClosed(stream)
    await stream.close()
    expect(events.map((event) => event.operationType)).toEqual(['rename', 'invalidate'])
    expectEventBasics(events[0])
    expect(events[0]?.ns).toEqual({ db: db.databaseName, coll: 'jobs' })
    expect(events[0]?.to).toEqual({ db: db.databaseName, coll: 'jobs_renamed' })
  })

  it('on the target of a rename with dropTarget gets rename then invalidate', async (context) => {
    mongo.require(context, 'changeStreams')
    const db = await mongo.db()
    await db.collection('jobs').insertOne({ _id: 'new' as never })
    const archive = db.collection('archive')
    await archive.insertOne({ _id: 'old' as never })
    const stream = await opened(archive.watch([], { maxAwaitTimeMS: 100 }))
    await db.collection('jobs').rename('archive', { dropTarget: true })
    const events = await eventsUntilClosed(stream)
    await stream.close()
    expect(events.map((event) => event.operationType)).toEqual(['rename', 'invalidate'])
    expect(events[0]?.ns).toEqual({ db: db.databaseName, coll: 'jobs' })
    expect(events[0]?.to).toEqual({ db: db.databaseName, coll: 'archive' })
    expect(await archive.find().toArray()).toEqual([{ _id: 'new' }])
  })

  it('gets drop then invalidate when its database is dropped', async (context) => {
    mongo.require(context, 'changeStreams')
    const db = await mongo.db()
    const jobs = db.collection('jobs')
    await jobs.insertOne({ _id: 'seed' as never })
    await db.collection('other').insertOne({ _id: 'seed' as never })
    const stream = await opened(jobs.watch([], { maxAwaitTimeMS: 100 }))
    await db.dropDatabase()
    const events = await eventsUntilClosed(stream)
    await stream.close()
    expect(events.map((event) => event.operationType)).toEqual(['drop', 'invalidate'])
    expect(events[0]?.ns).toEqual({ db: db.databaseName, coll: 'jobs' })
  })

  it('still closes when its pipeline filters the invalidate out, holding the invalidate token', async (context) => {
    // jstests/change_streams/start_after_invalidation_exception.js and metadata_notifications.js:
    // the stream is exhausted and its resume token is the invalidate event's.
    mongo.require(context, 'changeStreams')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertOne({ _id: 'seed' as never })
    const filtered = await opened(
      jobs.watch([{ $match: { operationType: 'insert' } }], { maxAwaitTimeMS: 100 }),
    )
    await jobs.insertOne({ _id: 'a' as never })
    await jobs.drop()
    const events = await eventsUntilClosed(filtered)
    expect(events.map((event) => event.operationType)).toEqual(['insert'])
    const unfiltered = jobs.watch([], { resumeAfter: events[0]!._id, maxAwaitTimeMS: 100 })
    const rest = await eventsUntilClosed(unfiltered)
    expect(rest.map((event) => event.operationType)).toEqual(['drop', 'invalidate'])
    expect(filtered.resumeToken).toEqual(rest[1]?._id)
    await filtered.close()
    await unfiltered.close()
  })
})

/**
 * mongod: `resumeAfter` an invalidate event's token fails with 260 InvalidResumeToken; `startAfter`
 * it opens a new stream that sees the events after it; resuming after the drop event's own token
 * delivers the invalidate again (manual, "Resume a Change Stream" and "Change Events: invalidate";
 * jstests/change_streams/metadata_notifications.js).
 */
describe('resuming around an invalidate', () => {
  it('refuses resumeAfter the invalidate token, and startAfter it sees later events', async (context) => {
    mongo.require(context, 'changeStreams')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertOne({ _id: 'before' as never })
    const stream = await opened(jobs.watch([], { maxAwaitTimeMS: 100 }))
    await jobs.drop()
    const [drop, invalidate] = await eventsUntilClosed(stream)
    await stream.close()
    expect(invalidate?.operationType).toBe('invalidate')
    await jobs.insertOne({ _id: 'after recreate' as never })

    const refused = jobs.watch([], { resumeAfter: invalidate!._id, maxAwaitTimeMS: 100 })
    const error = await rejection(refused.tryNext())
    await refused.close()
    expect(error.code).toBe(260)
    expect(error.codeName).toBe('InvalidResumeToken')
    expect(error.message).toMatch(/resumeAfter.*not allowed from an invalidate notification/)

    const fromDrop = jobs.watch([], { resumeAfter: drop!._id, maxAwaitTimeMS: 100 })
    const replayed = await eventsUntilClosed(fromDrop)
    await fromDrop.close()
    expect(replayed.map((event) => event.operationType)).toEqual(['invalidate'])
    expect(replayed[0]?._id).toEqual(invalidate?._id)

    const restarted = jobs.watch([], { startAfter: invalidate!._id, maxAwaitTimeMS: 100 })
    const [insert] = await nextEvents(restarted, 1)
    await restarted.close()
    expect(insert?.operationType).toBe('insert')
    expect(insert?.fullDocument).toEqual({ _id: 'after recreate' })
  })
})

/**
 * mongod: a stream on a database sees `rename` and a `drop` per collection without being
 * invalidated; dropping the database gives `drop` for each collection, `dropDatabase` (`ns` holds
 * only `db`) and `invalidate`. A stream on the whole deployment sees the same drops, renames and
 * `dropDatabase` and is never invalidated (manual, "Change Events: invalidate", "dropDatabase").
 */
describe('database and cluster change streams', () => {
  it('a database stream sees rename and drops, then dropDatabase and invalidate', async (context) => {
    mongo.require(context, 'changeStreams')
    const db = await mongo.db()
    await db.collection('a').insertOne({ _id: 1 as never })
    await db.collection('b').insertOne({ _id: 2 as never })
    const stream = await opened(db.watch([], { maxAwaitTimeMS: 100 }))
    await db.collection('a').rename('c')
    await db.collection('c').insertOne({ _id: 3 as never })
    await db.dropDatabase()
    const events = await eventsUntilClosed(stream)
    await stream.close()
    const kinds = events.map((event) => event.operationType)
    expect(kinds).toEqual(['rename', 'insert', 'drop', 'drop', 'dropDatabase', 'invalidate'])
    expect(events[0]?.to).toEqual({ db: db.databaseName, coll: 'c' })
    expect(events[1]?.ns).toEqual({ db: db.databaseName, coll: 'c' })
    expect([events[2]?.ns.coll, events[3]?.ns.coll].sort()).toEqual(['b', 'c'])
    expectEventBasics(events[4])
    expect(events[4]?.ns).toEqual({ db: db.databaseName })
    expect(events[5]?.clusterTime.equals(events[4]?.clusterTime)).toBe(true)
  })

  it('a cluster stream sees drop and dropDatabase and is not invalidated', async (context) => {
    mongo.require(context, 'changeStreams')
    const db = await mongo.db()
    await db.collection('a').insertOne({ _id: 1 as never })
    const stream = await opened(
      mongo.client().watch([{ $match: { 'ns.db': db.databaseName } }], { maxAwaitTimeMS: 100 }),
    )
    await db.collection('a').rename('b')
    await db.dropDatabase()
    await db.collection('after').insertOne({ _id: 2 as never })
    const events = await nextEvents(stream, 4)
    expect(stream.closed).toBe(false)
    await stream.close()
    expect(events.map((event) => event.operationType)).toEqual(['rename', 'drop', 'dropDatabase', 'insert'])
    expect(events[1]?.ns).toEqual({ db: db.databaseName, coll: 'b' })
    expect(events[2]?.ns).toEqual({ db: db.databaseName })
  })
})
