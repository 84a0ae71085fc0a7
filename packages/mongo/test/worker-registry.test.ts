import { JobQueue } from '@durabl/core'
import { useMongo } from '@durabl/mongo-server/harness'
import { TestClock } from '@durabl/testing'
import type { CommandStartedEvent } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { MongoBackend, WORKERS_TTL_INDEX_NAME } from '../src/index.js'
import { durablOperationOf } from './support/classify-command.js'
import { waitUntil } from './support/wait-until.js'

/**
 * The worker registry in MongoDB: one document per started queue in `durabl_workers`, a TTL index
 * that deletes a queue's document once it stopped registering, and a bounded cost.
 *
 * mongod behaviour relied on:
 * - A TTL index with `expireAfterSeconds: 0` on a date field deletes each document once the
 *   clock passes that date ("expire documents at a specific clock time"); its background monitor
 *   runs every 60 seconds, so deletion is late by up to a minute and reads must filter on the
 *   date themselves. `listIndexes` reports the index with its `expireAfterSeconds` (MongoDB
 *   manual, "TTL Indexes" and "Expire Data from Collections by Setting TTL").
 * - `createIndexes` on a collection that does not exist creates it (MongoDB manual,
 *   "createIndexes"); creating an index that exists with the same definition is a no-op.
 * - Every command's `comment` is accepted and recorded (MongoDB manual, the `comment` field of
 *   update and delete).
 */
const mongo = await useMongo()
const INTERVAL_MS = 1_000
const T0 = new Date('2040-01-01T00:00:00Z')

/** Write commands: what a registration may cost. */
const WRITES = new Set(['insert', 'update', 'delete', 'findAndModify'])
const DRIVER_COMMANDS = new Set(['hello', 'ismaster', 'isMaster', 'ping', 'endSessions', 'killCursors'])

describe('worker registry (MongoDB)', () => {
  it('startup creates a TTL index on expiresAt that deletes at that very time', async () => {
    const db = await mongo.db()
    const backend = new MongoBackend({ db, useChangeStreams: false })
    await backend.startup()
    await backend.startup()
    const indexes = await db.collection('durabl_workers').listIndexes().toArray()
    expect(indexes.find((index) => index.name === WORKERS_TTL_INDEX_NAME)).toMatchObject({
      key: { expiresAt: 1 },
      expireAfterSeconds: 0,
    })
    await backend.shutdown()
  })

  it('stores one document per worker id under its own collection name', async () => {
    const db = await mongo.db()
    const backend = new MongoBackend({ db, useChangeStreams: false, workersCollectionName: 'fleet' })
    await backend.startup()
    const clock = new TestClock(T0)
    const queue = new JobQueue(backend, {
      clock,
      workerId: 'host-a:1:cafe',
      workerRegistryIntervalMs: INTERVAL_MS,
      schedules: { run: false },
    })
    queue.process('email', async () => {}, { concurrency: 4 })
    try {
      await queue.startup()
      const documents = await db.collection('fleet').find().toArray()
      expect(documents).toEqual([
        expect.objectContaining({
          _id: 'host-a:1:cafe',
          types: [{ type: 'email', concurrency: 4 }],
          lastSeenAt: T0,
          expiresAt: new Date(T0.getTime() + 3 * INTERVAL_MS),
        }),
      ])
      await queue.shutdown()
      expect(await db.collection('fleet').countDocuments()).toBe(0)
    } finally {
      await queue.shutdown()
    }
  })

  it('an idle queue writes once per interval and deletes its entry once at shutdown', async () => {
    const db = await mongo.db()
    const client = await mongo.newClient({ monitorCommands: true })
    const backend = new MongoBackend({ db: client.db(db.databaseName), useChangeStreams: false })
    const seen: CommandStartedEvent[] = []
    client.on('commandStarted', (event) => {
      // queue.startup() starts the backend (its createIndexes commands are named durabl:startup).
      if (!DRIVER_COMMANDS.has(event.commandName) && durablOperationOf(event) !== 'startup') seen.push(event)
    })
    const clock = new TestClock(T0)
    const queue = new JobQueue(backend, {
      clock,
      workerRegistryIntervalMs: INTERVAL_MS,
      schedules: { run: false },
    })
    const named = () => seen.map((event) => `${event.commandName}:${durablOperationOf(event)}`)
    try {
      await queue.startup()
      for (let step = 1; step <= 10; step += 1) {
        await clock.advance(INTERVAL_MS)
        // The registration's timer is the idle queue's only one: re-armed once its write landed.
        await waitUntil(() => clock.pendingTimerCount === 1, `registration ${step}`)
      }
      // Ten intervals after the first write: eleven writes, and nothing else at all.
      expect(named()).toEqual(Array(11).fill('update:registerWorker'))
      await queue.shutdown()
      expect(named().slice(11)).toEqual(['delete:removeWorker'])
      expect(seen.filter((event) => WRITES.has(event.commandName))).toHaveLength(12)
    } finally {
      await queue.shutdown()
    }
  })

  it('rejects a workersCollectionName that is empty or the jobs collection, naming the field', async () => {
    const db = await mongo.db()
    expect(() => new MongoBackend({ db, workersCollectionName: '' })).toThrow(
      /^workersCollectionName must be a non-empty string without "\$", other than collectionName \("durabl_jobs"\), got ""/,
    )
    expect(() => new MongoBackend({ db, collectionName: 'jobs', workersCollectionName: 'jobs' })).toThrow(
      'workersCollectionName must be a non-empty string without "$", other than collectionName ("jobs"), got "jobs"',
    )
  })
})
