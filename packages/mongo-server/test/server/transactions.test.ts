import { MongoServerError } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { useMongo } from '../../src/harness.js'

const mongo = await useMongo()

describe('transactions', () => {
  it('hides writes until commit and applies them with withTransaction', async (context) => {
    mongo.require(context, 'transactions')
    const db = await mongo.db()
    const jobs = db.collection('jobs')
    const audit = db.collection('audit')
    await jobs.insertOne({ _id: 1 as never, state: 'pending' })
    await audit.insertOne({ seed: true })
    const session = mongo.client().startSession()
    try {
      await session.withTransaction(async () => {
        await jobs.updateOne({ _id: 1 as never }, { $set: { state: 'done' } }, { session })
        await audit.insertOne({ job: 1 }, { session })
        expect((await jobs.findOne({ _id: 1 as never }, { session }))?.state).toBe('done')
        expect((await jobs.findOne({ _id: 1 as never }))?.state).toBe('pending')
        expect(await audit.countDocuments({ job: 1 })).toBe(0)
      })
    } finally {
      await session.endSession()
    }
    expect((await jobs.findOne({ _id: 1 as never }))?.state).toBe('done')
    expect(await audit.countDocuments({ job: 1 })).toBe(1)
  })

  it('discards writes on abort', async (context) => {
    mongo.require(context, 'transactions')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertOne({ _id: 1 as never, v: 1 })
    const session = mongo.client().startSession()
    try {
      session.startTransaction()
      await jobs.updateOne({ _id: 1 as never }, { $set: { v: 2 } }, { session })
      await jobs.insertOne({ _id: 2 as never }, { session })
      await jobs.deleteOne({ _id: 1 as never }, { session })
      await session.abortTransaction()
    } finally {
      await session.endSession()
    }
    expect(await jobs.find().toArray()).toEqual([{ _id: 1, v: 1 }])
  })

  it('reports a write conflict between two transactions with TransientTransactionError', async (context) => {
    mongo.require(context, 'transactions')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertOne({ _id: 1 as never, v: 0 })
    const first = mongo.client().startSession()
    const second = mongo.client().startSession()
    try {
      first.startTransaction()
      second.startTransaction()
      await jobs.updateOne({ _id: 1 as never }, { $set: { v: 1 } }, { session: first })
      const error = await jobs
        .updateOne({ _id: 1 as never }, { $set: { v: 2 } }, { session: second })
        .catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(MongoServerError)
      expect((error as MongoServerError).code).toBe(112)
      expect((error as MongoServerError).hasErrorLabel('TransientTransactionError')).toBe(true)
      await first.commitTransaction()
      await second.abortTransaction().catch(() => undefined)
    } finally {
      await first.endSession()
      await second.endSession()
    }
    expect((await jobs.findOne({ _id: 1 as never }))?.v).toBe(1)
  })

  it('retries withTransaction after a transient write conflict', async (context) => {
    mongo.require(context, 'transactions')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertOne({ _id: 1 as never, v: 0 })
    const blocker = mongo.client().startSession()
    const session = mongo.client().startSession()
    let attempts = 0
    try {
      blocker.startTransaction()
      await jobs.updateOne({ _id: 1 as never }, { $inc: { v: 10 } }, { session: blocker })
      await session.withTransaction(async () => {
        attempts += 1
        if (attempts === 2) await blocker.commitTransaction()
        await jobs.updateOne({ _id: 1 as never }, { $inc: { v: 1 } }, { session })
      })
    } finally {
      await blocker.endSession()
      await session.endSession()
    }
    expect(attempts).toBe(2)
    expect((await jobs.findOne({ _id: 1 as never }))?.v).toBe(11)
  })
})

describe('retryable writes', () => {
  it('a retried write with the same lsid and txnNumber is applied once', async (context) => {
    mongo.require(context, 'replicaSet')
    const db = await mongo.db()
    await db.collection('counters').insertOne({ _id: 'c' as never, n: 0 })
    const session = mongo.client().startSession()
    try {
      const command = {
        update: 'counters',
        updates: [{ q: { _id: 'c' }, u: { $inc: { n: 1 } } }],
        txnNumber: 7,
      }
      const first = await db.command(command, { session })
      const retry = await db.command(command, { session })
      expect(first.nModified).toBe(1)
      expect(retry.nModified).toBe(1)
    } finally {
      await session.endSession()
    }
    expect((await db.collection('counters').findOne({ _id: 'c' as never }))?.n).toBe(1)
  })
})
