import { type Db, MongoServerError } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { useMongo } from '../../src/harness.js'
import { sessionStarter } from './transaction-support.js'

const mongo = await useMongo()
const startSession = sessionStarter(mongo)

/** Tracks a promise's settlement without awaiting it. */
function track<T>(promise: Promise<T>): { settled: () => boolean; result: Promise<T | unknown> } {
  let settled = false
  const result = promise.then(
    (value) => {
      settled = true
      return value
    },
    (error: unknown) => {
      settled = true
      return error
    },
  )
  return { settled: () => settled, result }
}

/** The rest of the server keeps answering while a write waits: a few round trips elsewhere. */
async function serverStillAnswers(db: Db): Promise<void> {
  await db.collection('other').insertOne({ at: 'while waiting' })
  expect(await db.collection('other').countDocuments()).toBe(1)
  await db.command({ ping: 1 })
}

// mongod: a write outside a transaction to a document that an open transaction has written hits
// a write conflict internally and retries until the transaction commits or aborts, so it waits;
// then it applies to the result (after a commit, an insert of the same _id fails with
// DuplicateKey; after an abort it succeeds). Other operations are not blocked. With maxTimeMS
// the wait ends with MaxTimeMSExpired (50). Sources: jstests/core/txns/write_conflicts_with_non_txns.js;
// manual, "In-progress Transactions and Write Conflicts".
describe('a plain write to a document an open transaction wrote', () => {
  it('waits for the commit, then applies on top of it', async (context) => {
    mongo.require(context, 'transactions')
    const db = await mongo.db()
    const jobs = db.collection('jobs')
    await jobs.insertOne({ _id: 1 as never, n: 0 })
    const session = startSession()
    session.startTransaction()
    await jobs.updateOne({ _id: 1 as never }, { $set: { state: 'done' } }, { session })
    const plain = track(jobs.updateOne({ _id: 1 as never }, { $inc: { n: 1 } }))
    await serverStillAnswers(db)
    expect(plain.settled()).toBe(false)
    await session.commitTransaction()
    expect(await plain.result).toMatchObject({ matchedCount: 1, modifiedCount: 1 })
    expect(await jobs.findOne({ _id: 1 as never })).toEqual({ _id: 1, n: 1, state: 'done' })
  })

  it('an insert of the same _id waits: DuplicateKey after a commit, success after an abort', async (context) => {
    mongo.require(context, 'transactions')
    const db = await mongo.db()
    const jobs = db.collection('jobs')
    const session = startSession()
    session.startTransaction()
    await jobs.insertOne({ _id: 1 as never }, { session })
    const afterCommit = track(jobs.insertOne({ _id: 1 as never, nonTxn: true }))
    await serverStillAnswers(db)
    expect(afterCommit.settled()).toBe(false)
    await session.commitTransaction()
    const duplicate = await afterCommit.result
    expect(duplicate).toBeInstanceOf(MongoServerError)
    expect((duplicate as MongoServerError).code).toBe(11000)
    expect(await jobs.find().toArray()).toEqual([{ _id: 1 }])

    await jobs.deleteMany({})
    session.startTransaction()
    await jobs.insertOne({ _id: 1 as never }, { session })
    const afterAbort = track(jobs.insertOne({ _id: 1 as never, nonTxn: true }))
    await session.abortTransaction()
    expect(await afterAbort.result).toMatchObject({ insertedId: 1 })
    expect(await jobs.find().toArray()).toEqual([{ _id: 1, nonTxn: true }])
  })

  it('an insert of a unique key the transaction wrote waits too', async (context) => {
    mongo.require(context, 'transactions')
    const db = await mongo.db()
    const jobs = db.collection('jobs')
    await jobs.createIndex({ key: 1 }, { unique: true })
    const session = startSession()
    session.startTransaction()
    await jobs.insertOne({ _id: 1 as never, key: 'a' }, { session })
    const plain = track(jobs.insertOne({ _id: 2 as never, key: 'a' }))
    await serverStillAnswers(db)
    expect(plain.settled()).toBe(false)
    await session.abortTransaction()
    expect(await plain.result).toMatchObject({ insertedId: 2 })
  })

  it('an updateMany that meets the transaction mid-way applies to every document once', async (context) => {
    mongo.require(context, 'transactions')
    const db = await mongo.db()
    const jobs = db.collection('jobs')
    await jobs.insertMany([1, 2, 3].map((id) => ({ _id: id as never, n: 0 })))
    const session = startSession()
    session.startTransaction()
    await jobs.updateOne({ _id: 2 as never }, { $set: { held: true } }, { session })
    const plain = track(jobs.updateMany({}, { $inc: { n: 1 } }))
    await serverStillAnswers(db)
    expect(plain.settled()).toBe(false)
    await session.commitTransaction()
    expect(await plain.result).toMatchObject({ matchedCount: 3, modifiedCount: 3 })
    expect(await jobs.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, n: 1 },
      { _id: 2, n: 1, held: true },
      { _id: 3, n: 1 },
    ])
  })

  it('change streams see each write of a write that waited once', async (context) => {
    mongo.require(context, 'transactions', 'changeStreams')
    const db = await mongo.db()
    const jobs = db.collection('jobs')
    await jobs.insertMany([1, 2, 3].map((id) => ({ _id: id as never, n: 0 })))
    const stream = jobs.watch([], { maxAwaitTimeMS: 100 })
    try {
      await stream.tryNext()
      const session = startSession()
      session.startTransaction()
      await jobs.updateOne({ _id: 2 as never }, { $set: { held: true } }, { session })
      const plain = track(jobs.updateMany({}, { $inc: { n: 1 } }))
      await serverStillAnswers(db)
      await session.commitTransaction()
      await plain.result
      await jobs.insertOne({ _id: 'end' as never })
      const updates: unknown[] = []
      const deadline = Date.now() + 10_000
      for (;;) {
        const event = await stream.tryNext()
        if (event?.operationType === 'insert' && String(event.documentKey._id) === 'end') break
        if (event?.operationType === 'update') updates.push(event.documentKey._id)
        if (Date.now() > deadline)
          throw new Error(`no end marker before the deadline; saw updates ${updates}`)
      }
      // Doc 2: the transaction's update and the plain one; docs 1 and 3: the plain one only.
      expect(updates.sort()).toEqual([1, 2, 2, 3])
    } finally {
      await stream.close()
    }
  })

  it('gives up with MaxTimeMSExpired (50) when maxTimeMS passes first', async (context) => {
    mongo.require(context, 'transactions')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertOne({ _id: 1 as never, n: 0 })
    const session = startSession()
    session.startTransaction()
    await jobs.updateOne({ _id: 1 as never }, { $inc: { n: 10 } }, { session })
    const error = await jobs
      .updateOne({ _id: 1 as never }, { $inc: { n: 1 } }, { maxTimeMS: 100 })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(MongoServerError)
    expect((error as MongoServerError).code).toBe(50)
    await session.commitTransaction()
    expect(await jobs.findOne({ _id: 1 as never })).toEqual({ _id: 1, n: 10 })
  })

  it('a findAndModify claim waits and then re-reads: it sees the committed state', async (context) => {
    mongo.require(context, 'transactions')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertOne({ _id: 1 as never, state: 'pending' })
    const session = startSession()
    session.startTransaction()
    await jobs.updateOne({ _id: 1 as never }, { $set: { state: 'cancelled' } }, { session })
    const claim = track(
      jobs.findOneAndUpdate({ state: 'pending' }, { $set: { state: 'active' } }, { returnDocument: 'after' }),
    )
    await session.commitTransaction()
    expect(await claim.result).toBeNull()
    expect(await jobs.findOne({ _id: 1 as never })).toEqual({ _id: 1, state: 'cancelled' })
  })
})

// mongod aborts a transaction that has been open longer than transactionLifetimeLimitSeconds
// (60 by default, settable with setParameter); a plain write waiting on it then proceeds, and the
// transaction's later statements and commit fail with NoSuchTransaction (251). Sources:
// jstests/core/txns/abort_expired_transaction.js; manual, "transactionLifetimeLimitSeconds".
describe('the transaction lifetime limit', () => {
  it('aborts an abandoned transaction, releasing a plain write that waits on it', {
    timeout: 90_000,
  }, async (context) => {
    mongo.require(context, 'transactions')
    const admin = mongo.client().db('admin')
    const original = await admin.command({ getParameter: 1, transactionLifetimeLimitSeconds: 1 })
    expect(original.transactionLifetimeLimitSeconds).toBeGreaterThanOrEqual(1)
    await admin.command({ setParameter: 1, transactionLifetimeLimitSeconds: 1 })
    try {
      const jobs = (await mongo.db()).collection('jobs')
      await jobs.insertOne({ _id: 1 as never, n: 0 })
      const session = startSession()
      session.startTransaction()
      await jobs.updateOne({ _id: 1 as never }, { $inc: { n: 10 } }, { session })
      await jobs.updateOne({ _id: 1 as never }, { $inc: { n: 1 } })
      expect(await jobs.findOne({ _id: 1 as never })).toEqual({ _id: 1, n: 1 })
      const error = await session.commitTransaction().catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(MongoServerError)
      expect((error as MongoServerError).code).toBe(251)
    } finally {
      await admin.command({
        setParameter: 1,
        transactionLifetimeLimitSeconds: original.transactionLifetimeLimitSeconds,
      })
    }
  })

  it('refuses a limit below one second', async (context) => {
    mongo.require(context, 'transactions')
    const error = await mongo
      .client()
      .db('admin')
      .command({ setParameter: 1, transactionLifetimeLimitSeconds: 0 })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(MongoServerError)
    expect((error as MongoServerError).code).toBe(2)
  })
})
