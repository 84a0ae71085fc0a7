import { MongoBackend as AgendaMongoBackend } from '@agendajs/mongo-backend'
import { JobQueue } from '@durabl/core'
import { MongoBackend } from '@durabl/mongo'
import { Agenda } from 'agenda'
import { Queue } from 'bullmq'
import type { MongoClient } from 'mongodb'
import type { SystemName } from '../config.js'
import { sharedClockMs } from '../ipc.js'
import type { BenchJobData } from './worker-system.js'

/** Agenda has no bulk insert: its "bulk" enqueue is this many `now()` calls in flight. */
export const AGENDA_BULK_IN_FLIGHT = 100

/** The parent's side of a queue: enqueues jobs for one run (one database or Redis queue). */
export interface Producer {
  readonly system: SystemName
  enqueueOne(type: string): Promise<void>
  /**
   * Writes `count` jobs of `type` in chunks of `bulkSize` (one call per chunk where the queue has
   * one). durabl only: with `limitKeys`, the jobs get limit keys `key-0` … round robin.
   */
  enqueueBulk(type: string, count: number, bulkSize: number, limitKeys?: number): Promise<void>
  /** Removes what the run wrote (drops the database, or obliterates the BullMQ queue) and closes. */
  dispose(): Promise<void>
}

function data(): BenchJobData {
  return { sentAtMs: sharedClockMs() }
}

export async function durablProducer(client: MongoClient, dbName: string): Promise<Producer> {
  const db = client.db(dbName)
  const queue = new JobQueue(new MongoBackend({ db, useChangeStreams: false }))
  await queue.startup() // no processors: creates the indexes only
  return {
    system: 'durabl',
    enqueueOne: async (type) => {
      await queue.enqueue(type, data())
    },
    enqueueBulk: async (type, count, bulkSize, limitKeys) => {
      for (let offset = 0; offset < count; offset += bulkSize) {
        const size = Math.min(bulkSize, count - offset)
        await queue.enqueueMany(
          Array.from({ length: size }, (_, index) => ({
            type,
            data: data(),
            ...(limitKeys === undefined
              ? {}
              : { options: { limitKey: `key-${(offset + index) % limitKeys}` } }),
          })),
        )
      }
    },
    dispose: async () => {
      await queue.shutdown()
      await db.dropDatabase()
    },
  }
}

export async function agendaProducer(client: MongoClient, dbName: string): Promise<Producer> {
  const db = client.db(dbName)
  const agenda = new Agenda({ backend: new AgendaMongoBackend({ mongo: db }) })
  await agenda.ready
  return {
    system: 'agenda',
    enqueueOne: async (type) => {
      await agenda.now(type, data())
    },
    enqueueBulk: async (type, count) => {
      for (let offset = 0; offset < count; offset += AGENDA_BULK_IN_FLIGHT) {
        const size = Math.min(AGENDA_BULK_IN_FLIGHT, count - offset)
        await Promise.all(Array.from({ length: size }, () => agenda.now(type, data())))
      }
    },
    dispose: async () => {
      await agenda.stop()
      await db.dropDatabase()
    },
  }
}

export async function bullmqProducer(
  redis: { host: string; port: number },
  queueName: string,
): Promise<Producer> {
  const queue = new Queue<BenchJobData>(queueName, { connection: { host: redis.host, port: redis.port } })
  await queue.waitUntilReady()
  return {
    system: 'bullmq',
    enqueueOne: async (type) => {
      await queue.add(type, data())
    },
    enqueueBulk: async (type, count, bulkSize) => {
      for (let offset = 0; offset < count; offset += bulkSize) {
        const size = Math.min(bulkSize, count - offset)
        await queue.addBulk(Array.from({ length: size }, () => ({ name: type, data: data() })))
      }
    },
    dispose: async () => {
      await queue.obliterate({ force: true })
      await queue.close()
    },
  }
}
