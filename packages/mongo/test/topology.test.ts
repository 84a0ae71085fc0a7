import { BackendError } from '@durabl/core'
import { startMongoServer } from '@durabl/mongo-server'
import { useMongo } from '@durabl/mongo-server/harness'
import { type Db, MongoClient } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { MongoBackend } from '../src/index.js'
import { commandName, recordCommands } from './support/command-log.js'
import { newJob } from './support/new-job.js'

const mongo = await useMongo()
const now = new Date('2040-01-01T00:00:00Z')

describe('sessions', () => {
  // A ClientSession starts no transaction by itself: `session.inTransaction()` is false until
  // `startTransaction()` (driver API, ClientSession). Outside a transaction a duplicate-key error
  // aborts nothing, so a plain session is enqueued like no session: no pre-check read, and a
  // duplicate comes back as null.
  it('a session outside a transaction is a plain session: no pre-check, duplicates are null', async () => {
    const client = await mongo.newClient({ monitorCommands: true })
    const db = client.db((await mongo.db()).databaseName)
    const backend = new MongoBackend({ db, useChangeStreams: false })
    await backend.startup()
    await backend.enqueueJobs({ jobs: [newJob({ dedupeKey: 'k' })], now })
    const session = client.startSession()
    const log = recordCommands(client)
    try {
      const ids = await backend.enqueueJobs({
        jobs: [newJob({ dedupeKey: 'k' }), newJob({ dedupeKey: 'other' })],
        now,
        session,
      })
      expect(ids[0]).toBeNull()
      expect(ids[1]).toEqual(expect.any(String))
    } finally {
      log.stop()
      await session.endSession()
    }
    expect(log.commands.map(commandName)).toEqual(['insert'])
  })
})

describe('capabilities', () => {
  it('declares transactions on a replica set', async (context) => {
    mongo.require(context, 'transactions')
    const backend = new MongoBackend({ db: await mongo.db(), useChangeStreams: false })
    await backend.startup()
    expect(backend.capabilities.transactions).toBe(true)
  })

  // A standalone mongod refuses transactions (IllegalOperation 20: "Transaction numbers are only
  // allowed on a replica set member or mongos"; manual, "Transactions: Production Considerations").
  // Its hello has no setName and no msg: 'isdbgrid'. The in-process server started with
  // replSet: false answers hello as a standalone mongod does.
  it('declares no transactions on a standalone server', async () => {
    const server = await startMongoServer({ replSet: false })
    const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5_000 })
    try {
      await client.connect()
      const backend = new MongoBackend({ db: client.db('standalone_capabilities'), useChangeStreams: 'auto' })
      await backend.startup()
      expect(backend.capabilities.transactions).toBe(false)
    } finally {
      await client.close()
      await server.stop()
    }
  })
})

/**
 * A fake Db in front of a mongos: hello answers `msg: 'isdbgrid'` (manual, "hello": "contains the
 * value isdbgrid when hello returns from a mongos instance"), and `config.collections` holds an
 * entry with the shard `key` for each sharded collection (manual, "Config Database:
 * config.collections"). The in-process server cannot be a mongos.
 */
function mongosDb(shardedEntries: Record<string, unknown>) {
  const created: unknown[] = []
  const collection = {
    createIndexes: async (indexes: unknown) => {
      created.push(indexes)
      return []
    },
  }
  const db = {
    databaseName: 'app',
    collection: () => collection,
    // Startup creates the indexes with one `createIndexes` command (see indexes.ts).
    command: async (command: { createIndexes?: string; indexes?: unknown }) => {
      if ('createIndexes' in command) created.push(command.indexes)
      return { ok: 1 }
    },
    admin: () => ({ command: async () => ({ isWritablePrimary: true, msg: 'isdbgrid', ok: 1 }) }),
    client: {
      db: (name: string) => ({
        collection: (collectionName: string) => ({
          findOne: async (filter: { _id: string }) =>
            name === 'config' && collectionName === 'collections' && filter._id in shardedEntries
              ? { _id: filter._id, ...(shardedEntries[filter._id] as object) }
              : null,
        }),
      }),
    },
  }
  return { db: db as unknown as Db, created }
}

describe('sharded clusters (unit level, fake mongos)', () => {
  it('refuses a sharded jobs collection at startup, before creating indexes, with a clear message', async () => {
    const { db, created } = mongosDb({ 'app.durabl_jobs': { key: { type: 1 }, unique: false } })
    const backend = new MongoBackend({ db, useChangeStreams: false })
    const error = await backend.startup().catch((caught: unknown) => caught)
    expect(BackendError.isInstance(error)).toBe(true)
    expect((error as Error).message).toContain('app.durabl_jobs is sharded')
    expect((error as Error).message).toContain('0007-sharded-clusters')
    expect(created).toEqual([])
  })

  it('accepts an unsharded jobs collection on a sharded cluster', async () => {
    const { db, created } = mongosDb({ 'app.other': { key: { _id: 'hashed' } } })
    const backend = new MongoBackend({ db, useChangeStreams: false })
    await backend.startup()
    // The jobs collection's indexes, then the workers' and the limiters' TTL indexes.
    expect(created).toHaveLength(3)
    expect(backend.capabilities.transactions).toBe(true)
  })

  it('accepts a collection whose config entry says it was dropped', async () => {
    const { db } = mongosDb({ 'app.durabl_jobs': { key: { type: 1 }, dropped: true } })
    await new MongoBackend({ db, useChangeStreams: false }).startup()
  })
})
