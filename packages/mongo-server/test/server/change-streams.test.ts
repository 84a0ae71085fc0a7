import type { ChangeStream, ChangeStreamDocument, Document } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { useMongo } from '../../src/harness.js'

const mongo = await useMongo()

/** Reads `count` events, failing after a deadline rather than hanging. */
async function nextEvents<T extends Document>(
  stream: ChangeStream<T>,
  count: number,
  timeoutMs = 10_000,
): Promise<ChangeStreamDocument<T>[]> {
  const events: ChangeStreamDocument<T>[] = []
  const deadline = Date.now() + timeoutMs
  while (events.length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} events, got ${events.length}`)
    const event = await stream.tryNext()
    if (event !== null) events.push(event)
  }
  return events
}

/** Waits until the stream's cursor is open on the server, so writes after this are seen. */
async function opened<T extends Document>(stream: ChangeStream<T>): Promise<ChangeStream<T>> {
  await stream.tryNext()
  return stream
}

describe('change streams', () => {
  it('reports insert, update, replace and delete events', async (context) => {
    mongo.require(context, 'changeStreams')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertOne({ _id: 'seed' as never })
    const stream = await opened(jobs.watch([], { fullDocument: 'updateLookup', maxAwaitTimeMS: 100 }))
    await jobs.insertOne({ _id: 'a' as never, state: 'pending', n: 1 })
    await jobs.updateOne({ _id: 'a' as never }, { $set: { state: 'active' }, $unset: { n: '' } })
    await jobs.replaceOne({ _id: 'a' as never }, { state: 'replaced' })
    await jobs.deleteOne({ _id: 'a' as never })
    const events = await nextEvents(stream, 4)
    await stream.close()
    expect(events.map((event) => event.operationType)).toEqual(['insert', 'update', 'replace', 'delete'])
    const [insert, update, replace, remove] = events as Document[]
    expect(insert?.fullDocument).toEqual({ _id: 'a', state: 'pending', n: 1 })
    expect(insert?.ns).toEqual({ db: jobs.dbName, coll: 'jobs' })
    expect(insert?.documentKey).toEqual({ _id: 'a' })
    expect(update?.updateDescription.updatedFields).toEqual({ state: 'active' })
    expect(update?.updateDescription.removedFields).toEqual(['n'])
    expect(update?.updateDescription.truncatedArrays).toEqual([])
    expect(replace?.fullDocument).toEqual({ _id: 'a', state: 'replaced' })
    expect(remove?.documentKey).toEqual({ _id: 'a' })
    expect(insert?.clusterTime?._bsontype).toBe('Timestamp')
    expect(insert?.wallTime).toBeInstanceOf(Date)
    expect(typeof (insert!._id as { _data: unknown })._data).toBe('string')
  })

  it('filters events with a $match on operationType and fullDocument fields', async (context) => {
    mongo.require(context, 'changeStreams')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertOne({ seed: true })
    const stream = await opened(
      jobs.watch([{ $match: { operationType: 'insert', 'fullDocument.queue': 'emails' } }], {
        maxAwaitTimeMS: 100,
      }),
    )
    await jobs.insertMany([{ queue: 'sms' }, { queue: 'emails', n: 1 }])
    await jobs.updateMany({}, { $set: { touched: true } })
    await jobs.insertOne({ queue: 'emails', n: 2 })
    const events = await nextEvents(stream, 2)
    await stream.close()
    expect(events.map((event) => (event as Document).fullDocument.n)).toEqual([1, 2])
  })

  it('watches a whole database', async (context) => {
    mongo.require(context, 'changeStreams')
    const db = await mongo.db()
    await db.collection('a').insertOne({ seed: true })
    const stream = await opened(db.watch([], { maxAwaitTimeMS: 100 }))
    await db.collection('a').insertOne({ n: 1 })
    await db.collection('b').insertOne({ n: 2 })
    const events = await nextEvents(stream, 2)
    await stream.close()
    expect(events.map((event) => (event as Document).ns.coll)).toEqual(['a', 'b'])
  })

  it('resumes after a token without replaying or losing events', async (context) => {
    mongo.require(context, 'changeStreams')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertOne({ seed: true })
    const first = await opened(jobs.watch([], { maxAwaitTimeMS: 100 }))
    await jobs.insertMany([{ n: 1 }, { n: 2 }])
    const [event] = await nextEvents(first, 1)
    await first.close()
    await jobs.insertOne({ n: 3 })
    const resumed = jobs.watch([], { resumeAfter: event!._id, maxAwaitTimeMS: 100 })
    const rest = await nextEvents(resumed, 2)
    await resumed.close()
    expect(rest.map((item) => (item as Document).fullDocument.n)).toEqual([2, 3])
  })

  it('a blocked getMore returns as soon as an event arrives', async (context) => {
    mongo.require(context, 'changeStreams')
    const jobs = (await mongo.db()).collection('jobs')
    // Start at a known operation time, so the stream sees the insert whether it lands before or
    // after the server receives the aggregate: no sleep needed to know the cursor is open.
    const session = mongo.client().startSession()
    await jobs.insertOne({ seed: true }, { session })
    const startAtOperationTime = session.operationTime!
    await session.endSession()
    const stream = jobs.watch([{ $match: { 'fullDocument.n': 1 } }], {
      maxAwaitTimeMS: 20_000,
      startAtOperationTime,
    })
    const started = Date.now()
    const next = stream.next()
    setImmediate(() => void jobs.insertOne({ n: 1 }))
    const event = (await next) as Document
    await stream.close()
    expect(event.fullDocument.n).toBe(1)
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it('emits change events for a committed transaction only, at commit', async (context) => {
    mongo.require(context, 'changeStreams', 'transactions')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertOne({ seed: true })
    const stream = await opened(jobs.watch([], { maxAwaitTimeMS: 100 }))
    const session = mongo.client().startSession()
    try {
      session.startTransaction()
      await jobs.insertOne({ n: 'aborted' }, { session })
      await session.abortTransaction()
      await session.withTransaction(async () => {
        await jobs.insertOne({ n: 'committed' }, { session })
      })
    } finally {
      await session.endSession()
    }
    await jobs.insertOne({ n: 'after' })
    const events = await nextEvents(stream, 2)
    await stream.close()
    expect(events.map((event) => (event as Document).fullDocument.n)).toEqual(['committed', 'after'])
  })
})

describe('change streams on a standalone server', () => {
  it('fails with 40573 like a real standalone', async (context) => {
    mongo.require(context, 'inProcessServer')
    const { startMongoServer } = await import('../../src/index.js')
    const standalone = await startMongoServer({ replSet: false })
    const { MongoClient } = await import('mongodb')
    const direct = new MongoClient(standalone.uri)
    try {
      const stream = direct.db('x').collection('y').watch()
      const error = await stream.tryNext().catch((caught: unknown) => caught)
      expect((error as { code?: number }).code).toBe(40573)
      await stream.close()
      const session = direct.startSession()
      session.startTransaction()
      const transactionError = await direct
        .db('x')
        .collection('y')
        .insertOne({}, { session })
        .catch((caught: unknown) => caught)
      expect(transactionError).toBeInstanceOf(Error)
      await session.endSession()
    } finally {
      await direct.close()
      await standalone.stop()
    }
  })
})
