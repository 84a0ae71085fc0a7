import { type Document, MongoServerError } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { useMongo } from '../../src/harness.js'

const mongo = await useMongo()

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('fault injection (in-process server only)', () => {
  it('dropConnections: the driver reconnects and retries', async (context) => {
    mongo.require(context, 'inProcessServer')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertOne({ n: 1 })
    mongo.server!.faults.dropConnections()
    await jobs.insertOne({ n: 2 })
    expect(await jobs.countDocuments()).toBe(2)
  })

  it('killChangeStreams: the driver resumes without losing events', async (context) => {
    mongo.require(context, 'inProcessServer', 'changeStreams')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertOne({ seed: true })
    const stream = jobs.watch([], { maxAwaitTimeMS: 100 })
    await stream.tryNext()
    await jobs.insertOne({ n: 1 })
    const first = (await stream.next()) as Document
    expect(mongo.server!.faults.killChangeStreams()).toBeGreaterThanOrEqual(1)
    await jobs.insertOne({ n: 2 })
    const second = (await stream.next()) as Document
    await stream.close()
    expect([first.fullDocument.n, second.fullDocument.n]).toEqual([1, 2])
  })

  it('notPrimary: writes fail with 10107 and the driver retries once the primary is back', async (context) => {
    mongo.require(context, 'inProcessServer')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertOne({ n: 0 })
    mongo.server!.faults.notPrimary(300)
    const started = Date.now()
    await jobs.insertOne({ n: 1 })
    expect(Date.now() - started).toBeGreaterThanOrEqual(200)
    expect(await jobs.countDocuments()).toBe(2)
    const hello = await mongo.client().db('admin').command({ hello: 1 })
    expect(hello.isWritablePrimary).toBe(true)
  })

  it('notPrimary: the raw error carries code 10107 and RetryableWriteError', async (context) => {
    mongo.require(context, 'inProcessServer')
    // A direct connection sends the write even to a non-primary, so the server's error reaches us.
    const client = await mongo.newClient({ retryWrites: false, directConnection: true })
    const databaseName = (await mongo.db()).databaseName
    mongo.server!.faults.notPrimary(60_000)
    try {
      const error = (await client
        .db(databaseName)
        .collection('jobs')
        .insertOne({})
        .catch((caught: unknown) => caught)) as MongoServerError
      expect(error).toBeInstanceOf(MongoServerError)
      expect(error.code).toBe(10107)
      expect(error.codeName).toBe('NotWritablePrimary')
      expect(error.hasErrorLabel('RetryableWriteError')).toBe(true)
    } finally {
      mongo.server!.faults.clear()
    }
    await mongo.client().db(databaseName).collection('jobs').insertOne({ ok: true })
  })

  it('hangReplies and delayReplies: operations time out, then recover after clear()', async (context) => {
    mongo.require(context, 'inProcessServer')
    const client = await mongo.newClient({ socketTimeoutMS: 300, retryReads: false, retryWrites: false })
    const db = client.db((await mongo.db()).databaseName)
    await db.collection('jobs').insertOne({ n: 1 })
    mongo.server!.faults.hangReplies()
    const hung = await db
      .collection('jobs')
      .findOne({})
      .catch((caught: unknown) => caught)
    expect(hung).toBeInstanceOf(Error)
    mongo.server!.faults.clear()
    mongo.server!.faults.delayReplies(50)
    const started = Date.now()
    expect(await db.collection('jobs').countDocuments()).toBe(1)
    expect(Date.now() - started).toBeGreaterThanOrEqual(45)
    mongo.server!.faults.clear()
  })

  it('counts commands by name and reports stats', async (context) => {
    mongo.require(context, 'inProcessServer')
    const server = mongo.server!
    const seen: string[] = []
    server.onCommand = (name) => seen.push(name)
    const jobs = (await mongo.db()).collection('jobs')
    const before = server.commandLog.get('insert') ?? 0
    await jobs.insertOne({})
    await jobs.findOne({})
    server.onCommand = undefined
    expect(server.commandLog.get('insert')).toBe(before + 1)
    expect(seen).toEqual(expect.arrayContaining(['insert', 'find']))
    const stats = server.stats()
    expect(stats.connections).toBeGreaterThan(0)
    expect(stats.documents).toBeGreaterThanOrEqual(1)
  })
})

describe('TTL indexes', () => {
  it('removes expired documents and emits delete events', async (context) => {
    mongo.require(context, 'inProcessServer', 'changeStreams')
    const { startMongoServer } = await import('../../src/index.js')
    const server = await startMongoServer({ ttlMonitorIntervalMs: 20 })
    const { MongoClient } = await import('mongodb')
    const client = new MongoClient(server.uri)
    try {
      const sessions = client.db('ttl').collection('sessions')
      await sessions.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 })
      await sessions.insertMany([
        { _id: 'old' as never, expiresAt: new Date(Date.now() - 1000) },
        { _id: 'new' as never, expiresAt: new Date(Date.now() + 3_600_000) },
        { _id: 'none' as never },
      ])
      const stream = sessions.watch([], { maxAwaitTimeMS: 100 })
      await stream.tryNext()
      await sessions.insertOne({ _id: 'soon' as never, expiresAt: new Date(Date.now() + 50) })
      await waitFor(async () => (await sessions.countDocuments()) === 2)
      expect((await sessions.find().toArray()).map((document) => document._id).sort()).toEqual([
        'new',
        'none',
      ])
      const events: Document[] = []
      await waitFor(async () => {
        const event = await stream.tryNext()
        if (event !== null) events.push(event)
        return events.some((item) => item.operationType === 'delete' && item.documentKey._id === 'soon')
      })
      await stream.close()
    } finally {
      await client.close()
      await server.stop()
    }
  })
})
