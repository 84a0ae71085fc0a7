import { MongoClient, type MongoServerError } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { startMongoServer } from '../../src/index.js'

// The in-process server's own option (not a MongoDB behaviour): transactionLifetimeLimitSeconds
// sets the limit mongod reads from its parameter of that name, 60 seconds by default.
describe('startMongoServer({ transactionLifetimeLimitSeconds })', () => {
  it('sets the limit reported by getParameter and aborts transactions older than it', async () => {
    const server = await startMongoServer({ transactionLifetimeLimitSeconds: 1 })
    const client = await new MongoClient(server.uri).connect()
    try {
      const admin = client.db('admin')
      expect(await admin.command({ getParameter: 1, transactionLifetimeLimitSeconds: 1 })).toMatchObject({
        transactionLifetimeLimitSeconds: 1,
      })
      const jobs = client.db('options').collection('jobs')
      const session = client.startSession()
      session.startTransaction()
      await jobs.insertOne({ _id: 1 as never }, { session })
      // Waits for the transaction's document, so returns once the transaction has been aborted.
      await jobs.insertOne({ _id: 1 as never, plain: true })
      const error = await session.commitTransaction().catch((caught: unknown) => caught)
      expect((error as MongoServerError).code).toBe(251)
      await session.endSession()
      expect(await jobs.find().toArray()).toEqual([{ _id: 1, plain: true }])
    } finally {
      await client.close()
      await server.stop()
    }
  })

  it('defaults to 60 seconds, as mongod', async () => {
    const server = await startMongoServer()
    const client = await new MongoClient(server.uri).connect()
    try {
      const reply = await client.db('admin').command({ getParameter: 1, transactionLifetimeLimitSeconds: 1 })
      expect(reply.transactionLifetimeLimitSeconds).toBe(60)
    } finally {
      await client.close()
      await server.stop()
    }
  })

  it('refuses a limit that is not a whole number of at least 1, naming the value', async () => {
    await expect(startMongoServer({ transactionLifetimeLimitSeconds: 0 })).rejects.toThrow(
      'transactionLifetimeLimitSeconds must be a whole number of at least 1, got 0',
    )
    await expect(startMongoServer({ transactionLifetimeLimitSeconds: 1.5 })).rejects.toThrow(/got 1.5/)
  })
})
