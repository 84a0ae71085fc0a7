import { MongoWriteConcernError } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { useMongo } from '../../src/harness.js'
import { failure, sessionStarter } from './transaction-support.js'

const mongo = await useMongo()
const startSession = sessionStarter(mongo)

// mongod: inside a transaction a failed write is reported in writeErrors with ok: 1 (no error
// label), the batch stops at the first error even when unordered, and the transaction is
// aborted: its next statement and its commit fail with NoSuchTransaction (251), labelled
// TransientTransactionError. Sources: jstests/core/txns/multi_statement_transaction_write_error.js
// (formerly transactions_write_errors.js); jstests/core/txns/libs/write_conflicts.js.
describe('write errors inside a transaction', () => {
  it('are writeErrors with ok: 1, stop an unordered batch, and abort the transaction', async (context) => {
    mongo.require(context, 'transactions')
    const db = await mongo.db()
    const jobs = db.collection('jobs')
    await jobs.insertOne({ _id: 0 as never })
    const session = startSession()
    session.startTransaction()
    const reply = await db.command(
      { insert: 'jobs', documents: [{ _id: 1 }, { _id: 0 }, { _id: 2 }, { _id: 0 }], ordered: false },
      { session },
    )
    expect(reply.ok).toBe(1)
    expect(reply.n).toBe(1)
    expect(reply.writeErrors).toHaveLength(1)
    expect(reply.writeErrors[0]).toMatchObject({ index: 1, code: 11000 })
    expect(reply.errorLabels).toBeUndefined()
    const next = await failure(jobs.insertOne({ _id: 3 as never }, { session }))
    expect(next.code).toBe(251)
    expect(next.hasErrorLabel('TransientTransactionError')).toBe(true)
    const commit = await failure(session.commitTransaction())
    expect(commit.code).toBe(251)
    expect(await jobs.find().toArray()).toEqual([{ _id: 0 }])
  })

  it('an update error is a writeError too, after the statements before it', async (context) => {
    mongo.require(context, 'transactions')
    const db = await mongo.db()
    await db.collection('jobs').insertOne({ _id: 0 as never, x: 'string' })
    const session = startSession()
    session.startTransaction()
    const reply = await db.command(
      {
        update: 'jobs',
        updates: [
          { q: { _id: 0 }, u: { $set: { x: 'STRING' } } },
          { q: { $foo: 1 }, u: { $set: { y: 1 } } },
        ],
        ordered: false,
      },
      { session },
    )
    expect(reply.ok).toBe(1)
    expect(reply.n).toBe(1)
    expect(reply.writeErrors).toHaveLength(1)
    // BadValue: unknown top level operator $foo.
    expect(reply.writeErrors[0]).toMatchObject({ index: 1, code: 2 })
    expect((await failure(session.commitTransaction())).code).toBe(251)
    expect(await db.collection('jobs').findOne()).toEqual({ _id: 0, x: 'string' })
  })
})

// mongod: only CRUD and transaction commands run in a transaction (find, aggregate, distinct,
// insert, update, delete, findAndModify, getMore, killCursors, bulkWrite, create, createIndexes
// and commit/abort). Others, such as count, explain, listCollections and listIndexes, fail with
// OperationNotSupportedInTransaction (263) without aborting the transaction; as the first
// statement they start none. createIndexes may only create indexes on a collection that is new
// in the transaction (since 4.4); a new index on an existing collection fails with 263 and
// aborts the transaction. Sources: manual, "Transactions and Operations";
// jstests/core/txns/commands_not_allowed_in_txn.js, create_existing_indexes.js, create_indexes.js.
describe('commands in a transaction', () => {
  it('count, explain, listCollections and listIndexes are refused with 263; the transaction goes on', async (context) => {
    mongo.require(context, 'transactions')
    const db = await mongo.db()
    await db.collection('jobs').insertOne({ _id: 0 as never })
    const session = startSession()
    session.startTransaction()
    await db.collection('jobs').insertOne({ _id: 1 as never }, { session })
    for (const command of [
      { count: 'jobs' },
      { explain: { find: 'jobs' } },
      { listCollections: 1 },
      { listIndexes: 'jobs' },
    ]) {
      const error = await failure(db.command(command, { session }))
      expect(error.code, JSON.stringify(command)).toBe(263)
    }
    expect(await db.collection('jobs').distinct('_id', {}, { session })).toEqual([0, 1])
    await session.commitTransaction()
    expect(await db.collection('jobs').countDocuments()).toBe(2)
  })

  it('a refused command as the first statement starts no transaction', async (context) => {
    mongo.require(context, 'transactions')
    const db = await mongo.db()
    await db.collection('jobs').insertOne({ _id: 0 as never })
    const session = startSession()
    session.startTransaction()
    expect((await failure(db.command({ count: 'jobs' }, { session }))).code).toBe(263)
    expect((await failure(session.commitTransaction())).code).toBe(251)
  })

  it('createIndexes: allowed on a collection new in the transaction, refused on an existing one', async (context) => {
    mongo.require(context, 'transactions')
    const db = await mongo.db()
    await db.collection('existing').insertOne({ _id: 0 as never })
    const session = startSession()
    session.startTransaction()
    await db.collection('fresh').createIndex({ key: 1 }, { session, name: 'key_1' })
    await db.collection('fresh').insertOne({ key: 'a' }, { session })
    await session.commitTransaction()
    expect((await db.collection('fresh').indexes()).map((index) => index.name)).toEqual(['_id_', 'key_1'])

    session.startTransaction()
    await db.collection('existing').insertOne({ _id: 1 as never }, { session })
    const error = await failure(db.collection('existing').createIndex({ other: 1 }, { session }))
    expect(error.code).toBe(263)
    expect((await failure(session.commitTransaction())).code).toBe(251)
    expect(await db.collection('existing').countDocuments()).toBe(1)
  })
})

// mongod: read and write concern are set for the whole transaction: a later statement with a
// readConcern, or any statement but commit/abort with a writeConcern, fails with InvalidOptions
// (72) and the transaction goes on. Sources: manual, "Transactions: Read Concern/Write Concern";
// jstests/core/txns/no_read_or_write_concern_inside_txn.js.
describe('read and write concern in a transaction', () => {
  it('are refused on the statements after the first, without aborting the transaction', async (context) => {
    mongo.require(context, 'transactions')
    const db = await mongo.db()
    await db.collection('jobs').insertOne({ _id: 0 as never })
    const session = startSession()
    session.startTransaction()
    await db.collection('jobs').insertOne({ _id: 1 as never }, { session })
    for (const concern of [{ readConcern: { level: 'local' } }, { writeConcern: { w: 1 } }]) {
      const error = await failure(
        db.command({ insert: 'jobs', documents: [{ _id: 2 }], ...concern }, { session }),
      )
      expect(error.code, JSON.stringify(concern)).toBe(72)
    }
    await session.commitTransaction()
    expect(await db.collection('jobs').find().sort({ _id: 1 }).toArray()).toEqual([{ _id: 0 }, { _id: 1 }])
  })

  // mongod commits, then cannot satisfy w: 10 with fewer data-bearing members and reports
  // UnsatisfiableWriteConcern (100) as a write concern error. Source: specifications,
  // transactions/tests/unified/commit.json ("write concern error on commit").
  it('a commit with an unsatisfiable w applies and reports a write concern error', async (context) => {
    mongo.require(context, 'transactions')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertOne({ _id: 0 as never })
    const session = startSession()
    session.startTransaction({ writeConcern: { w: 10 } })
    await jobs.insertOne({ _id: 1 as never }, { session })
    const error = await session.commitTransaction().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(MongoWriteConcernError)
    expect((error as MongoWriteConcernError).code).toBe(100)
    expect(await jobs.countDocuments()).toBe(2)
  })
})

// mongod (since 4.4): `create` runs in a transaction like its writes: the collection exists for
// others only once the transaction commits, and not at all if it aborts. Sources: manual,
// "Create Collections and Indexes in a Transaction"; jstests/core/txns/create_collection.js.
describe('create in a transaction', () => {
  it('creates the collection at commit, not before, and not after an abort', async (context) => {
    mongo.require(context, 'transactions')
    const db = await mongo.db()
    await db.collection('seed').insertOne({})
    const names = async () =>
      (await db.listCollections({}, { nameOnly: true }).toArray()).map((entry) => entry.name)
    const session = startSession()
    session.startTransaction()
    await db.createCollection('fresh', { session })
    await db.collection('fresh').insertOne({ _id: 1 as never }, { session })
    expect(await names()).toEqual(['seed'])
    await session.commitTransaction()
    expect((await names()).sort()).toEqual(['fresh', 'seed'])
    expect(await db.collection('fresh').find().toArray()).toEqual([{ _id: 1 }])

    session.startTransaction()
    await db.createCollection('discarded', { session })
    await session.abortTransaction()
    expect((await names()).sort()).toEqual(['fresh', 'seed'])
  })
})

// mongod: a session used without startTransaction is an ordinary session: each write commits on
// its own, is visible to everyone at once, and holds nothing that makes other writes wait.
// Source: manual, "Client Sessions and Causal Consistency Guarantees".
describe('a session outside a transaction', () => {
  it('writes and reads as a plain session', async (context) => {
    mongo.require(context, 'transactions')
    const jobs = (await mongo.db()).collection('jobs')
    const session = startSession()
    await jobs.insertOne({ _id: 1 as never, n: 0 }, { session })
    await jobs.updateOne({ _id: 1 as never }, { $inc: { n: 1 } }, { session })
    expect(await jobs.findOne({ _id: 1 as never })).toEqual({ _id: 1, n: 1 })
    await jobs.updateOne({ _id: 1 as never }, { $inc: { n: 1 } }, { maxTimeMS: 5_000 })
    expect(await jobs.findOne({ _id: 1 as never }, { session })).toEqual({ _id: 1, n: 2 })
    expect(await jobs.countDocuments({}, { session })).toBe(1)
  })
})
