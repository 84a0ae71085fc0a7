import type { Collection, Document } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { useMongo } from '../../src/harness.js'
import { failure, sessionStarter } from './transaction-support.js'

const mongo = await useMongo()
const startSession = sessionStarter(mongo)

async function expectWriteConflict(promise: Promise<unknown>): Promise<void> {
  const error = await failure(promise)
  expect(error.code).toBe(112)
  expect(error.hasErrorLabel('TransientTransactionError')).toBe(true)
}

async function expectNoSuchTransaction(promise: Promise<unknown>): Promise<void> {
  const error = await failure(promise)
  expect(error.code).toBe(251)
  expect(error.hasErrorLabel('TransientTransactionError')).toBe(true)
}

async function sorted(jobs: Collection<Document>): Promise<Document[]> {
  return jobs.find().sort({ _id: 1 }).toArray()
}

// mongod: a transaction reads from one snapshot, established by its first operation (the driver
// sends startTransaction with that operation, not with session.startTransaction()). Writes
// committed by others afterwards are invisible to every read of the transaction; the
// transaction sees its own writes. Sources: manual, "Read Concern "snapshot"" and "Transactions"
// (snapshot isolation); specifications, transactions/tests/unified/isolation.json.
describe('transaction snapshot reads', () => {
  it('see the data as of the first operation, not later commits by others', async (context) => {
    mongo.require(context, 'transactions')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertMany([
      { _id: 1 as never, v: 0 },
      { _id: 2 as never, v: 0 },
    ])
    const session = startSession()
    session.startTransaction()
    // Before the transaction's first operation: part of its snapshot.
    await jobs.updateOne({ _id: 1 as never }, { $set: { v: 1 } })
    expect(await jobs.findOne({ _id: 1 as never }, { session })).toEqual({ _id: 1, v: 1 })
    // After it: invisible to every kind of read in the transaction.
    await jobs.updateOne({ _id: 1 as never }, { $set: { v: 2 } })
    await jobs.insertOne({ _id: 3 as never, v: 0 })
    await jobs.deleteOne({ _id: 2 as never })
    expect(await jobs.find({}, { session }).sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, v: 1 },
      { _id: 2, v: 0 },
    ])
    expect(await jobs.countDocuments({}, { session })).toBe(2)
    expect(
      await jobs
        .aggregate([{ $match: { v: { $gte: 0 } } }, { $sort: { _id: 1 } }, { $project: { _id: 1 } }], {
          session,
        })
        .toArray(),
    ).toEqual([{ _id: 1 }, { _id: 2 }])
    expect(await jobs.distinct('_id', {}, { session })).toEqual([1, 2])
    // findAndModify's read sees the snapshot too: the document inserted since is not there.
    expect(await jobs.findOneAndUpdate({ _id: 3 as never }, { $set: { seen: true } }, { session })).toBeNull()
    // Its own writes are visible to it.
    await jobs.insertOne({ _id: 4 as never, v: 9 }, { session })
    expect(await jobs.countDocuments({}, { session })).toBe(3)
    await session.commitTransaction()
    expect(await sorted(jobs)).toEqual([
      { _id: 1, v: 2 },
      { _id: 3, v: 0 },
      { _id: 4, v: 9 },
    ])
  })

  it('do not see a transaction that commits after the snapshot', async (context) => {
    mongo.require(context, 'transactions')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertOne({ _id: 1 as never, v: 0 })
    const reader = startSession()
    const writer = startSession()
    reader.startTransaction()
    expect(await jobs.countDocuments({}, { session: reader })).toBe(1)
    writer.startTransaction()
    await jobs.insertOne({ _id: 2 as never }, { session: writer })
    await jobs.updateOne({ _id: 1 as never }, { $set: { v: 1 } }, { session: writer })
    await writer.commitTransaction()
    expect(await jobs.find({}, { session: reader }).toArray()).toEqual([{ _id: 1, v: 0 }])
    await reader.commitTransaction()
  })
})

// mongod: "first updater wins". A write in a transaction to a document that another open
// transaction has written, or that a write committed after the transaction's snapshot changed,
// fails at once with WriteConflict (112) labelled TransientTransactionError; the transaction is
// aborted, so its commit fails with NoSuchTransaction (251). Sources: manual, "In-progress
// Transactions and Write Conflicts"; jstests/core/txns/libs/write_conflicts.js and
// jstests/core/txns/write_conflicts_with_non_txns.js (last case).
describe('transaction write conflicts at write time', () => {
  it('a write to a document changed since the snapshot fails with WriteConflict and aborts', async (context) => {
    mongo.require(context, 'transactions')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertOne({ _id: 1 as never, v: 0 })
    const session = startSession()
    session.startTransaction()
    await jobs.findOne({}, { session })
    await jobs.updateOne({ _id: 1 as never }, { $set: { v: 1 } })
    await expectWriteConflict(jobs.updateOne({ _id: 1 as never }, { $set: { v: 2 } }, { session }))
    await expectNoSuchTransaction(session.commitTransaction())
    expect(await sorted(jobs)).toEqual([{ _id: 1, v: 1 }])
  })

  it('inserting an _id committed since the snapshot is a WriteConflict, not a duplicate key', async (context) => {
    mongo.require(context, 'transactions')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertOne({ _id: 0 as never })
    const session = startSession()
    session.startTransaction()
    await jobs.find({}, { session }).toArray()
    await jobs.insertOne({ _id: 1 as never, nonTxn: true })
    await expectWriteConflict(jobs.insertOne({ _id: 1 as never }, { session }))
    await expectNoSuchTransaction(session.commitTransaction())
    expect(await sorted(jobs)).toEqual([{ _id: 0 }, { _id: 1, nonTxn: true }])
  })

  it('a transaction that started first loses to one that wrote and committed first', async (context) => {
    mongo.require(context, 'transactions')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertOne({ _id: 1 as never, v: 0 })
    const first = startSession()
    const second = startSession()
    first.startTransaction()
    second.startTransaction()
    await jobs.find({}, { session: first }).toArray()
    await jobs.updateOne({ _id: 1 as never }, { $set: { v: 2 } }, { session: second })
    await second.commitTransaction()
    await expectWriteConflict(jobs.deleteOne({ _id: 1 as never }, { session: first }))
    await expectNoSuchTransaction(first.commitTransaction())
    expect(await sorted(jobs)).toEqual([{ _id: 1, v: 2 }])
  })
})

// mongod: two open transactions writing the same key of a unique index conflict like writes to
// one document: the second writer gets WriteConflict at once, whether it inserts, upserts or
// updates to that key; a key committed by another transaction since the snapshot is a
// WriteConflict too. Source: jstests/core/txns/transactions_write_conflicts_unique_indexes.js.
describe('transaction write conflicts on unique index keys', () => {
  it('two open transactions inserting the same unique key: the second gets WriteConflict', async (context) => {
    mongo.require(context, 'transactions')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.createIndex({ x: 1 }, { unique: true })
    const first = startSession()
    const second = startSession()
    first.startTransaction()
    second.startTransaction()
    await jobs.insertOne({ _id: 1 as never, x: 1 }, { session: first })
    await expectWriteConflict(jobs.insertOne({ _id: 2 as never, x: 1 }, { session: second }))
    await first.commitTransaction()
    await expectNoSuchTransaction(second.commitTransaction())
    expect(await sorted(jobs)).toEqual([{ _id: 1, x: 1 }])
  })

  it('updates of different documents to the same unique key conflict', async (context) => {
    mongo.require(context, 'transactions')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.createIndex({ x: 1 }, { unique: true })
    await jobs.insertMany([
      { _id: 1 as never, x: 1 },
      { _id: 2 as never, x: 2 },
    ])
    const first = startSession()
    const second = startSession()
    first.startTransaction()
    second.startTransaction()
    await jobs.updateOne({ _id: 1 as never }, { $set: { x: 3 } }, { session: first })
    await expectWriteConflict(jobs.updateOne({ _id: 2 as never }, { $set: { x: 3 } }, { session: second }))
    await first.commitTransaction()
    expect(await sorted(jobs)).toEqual([
      { _id: 1, x: 3 },
      { _id: 2, x: 2 },
    ])
  })

  it('a unique key committed by another transaction since the snapshot is a WriteConflict', async (context) => {
    mongo.require(context, 'transactions')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.createIndex({ x: 1 }, { unique: true })
    const first = startSession()
    const second = startSession()
    first.startTransaction()
    second.startTransaction()
    await jobs.find({}, { session: first }).toArray()
    await jobs.updateOne({ _id: 2 as never }, { $set: { x: 1 } }, { session: second, upsert: true })
    await second.commitTransaction()
    await expectWriteConflict(
      jobs.updateOne({ _id: 1 as never }, { $set: { x: 1 } }, { session: first, upsert: true }),
    )
    await expectNoSuchTransaction(first.commitTransaction())
    expect(await sorted(jobs)).toEqual([{ _id: 2, x: 1 }])
  })
})
