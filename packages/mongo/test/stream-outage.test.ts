import { JobQueue, type PushStatus } from '@durabl/core'
import { useMongo } from '@durabl/mongo-server/harness'
import { describe, expect, it } from 'vitest'
import { MongoBackend } from '../src/index.js'
import { waitUntil } from './support/wait-until.js'

const mongo = await useMongo()

/**
 * A queue that relies on push: its poll interval is far longer than the test, so a job can only
 * be picked up through a change-stream wake or the catch-up claim after a reconnect.
 */
async function pushOnlyQueue(ran: string[]) {
  const db = await mongo.db()
  const backend = new MongoBackend({ db, useChangeStreams: true })
  const queue = new JobQueue(backend, { recoverIntervalMs: 600_000 })
  const events: string[] = []
  queue.on('push:connected', () => events.push('connected'))
  queue.on('push:reconnected', () => events.push('reconnected'))
  queue.on('push:fallback', ({ reason }) => events.push(`fallback: ${reason}`))
  queue.process<{ n: number }>(
    'wake',
    (job) => {
      ran.push(String(job.data.n))
    },
    { pollIntervalMs: 600_000 },
  )
  await queue.startup()
  await waitUntil(() => events.includes('connected'), 'the change stream to connect')
  return { db, backend, queue, events }
}

describe('change-stream outage', () => {
  it('processes jobs inserted while the server killed the stream', async (context) => {
    mongo.require(context, 'changeStreams', 'inProcessServer')
    const ran: string[] = []
    const { queue, events, db } = await pushOnlyQueue(ran)
    const producer = new JobQueue(new MongoBackend({ db }))
    try {
      await producer.enqueue('wake', { n: 1 })
      await waitUntil(() => ran.includes('1'), 'a pushed job before the outage')

      expect(mongo.server!.faults.killChangeStreams()).toBeGreaterThan(0)
      await producer.enqueue('wake', { n: 2 })
      await producer.enqueue('wake', { n: 3 })
      await waitUntil(() => ran.includes('2') && ran.includes('3'), 'the jobs written during the outage')
      expect(events.filter((event) => event.startsWith('fallback'))).toEqual([])
    } finally {
      await queue.shutdown(5_000)
    }
  })

  it('catches up after the server dropped every connection', async (context) => {
    mongo.require(context, 'changeStreams', 'inProcessServer')
    const ran: string[] = []
    const { queue, events, db } = await pushOnlyQueue(ran)
    const producerClient = await mongo.newClient()
    const producer = new JobQueue(new MongoBackend({ db: producerClient.db(db.databaseName) }))
    try {
      mongo.server!.faults.dropConnections()
      // Written while the worker's connections are gone: no stream is there to announce them.
      await producer.enqueue('wake', { n: 4 })
      await producer.enqueue('wake', { n: 5 })
      await waitUntil(() => ran.includes('4') && ran.includes('5'), 'the jobs written during the outage')
      await producer.enqueue('wake', { n: 6 })
      await waitUntil(() => ran.includes('6'), 'a pushed job after the outage')
      expect(events.filter((event) => event.startsWith('fallback'))).toEqual([])
    } finally {
      await queue.shutdown(5_000)
    }
  })

  it('reports reconnected after a stream error, so the runtime claims to catch up', async (context) => {
    mongo.require(context, 'changeStreams', 'inProcessServer')
    const db = await mongo.db()
    const backend = new MongoBackend({ db })
    await backend.startup()
    const statuses: PushStatus[] = []
    const subscription = await backend.subscribe!({
      types: ['wake'],
      onWake: () => {},
      onStatus: (status) => statuses.push(status),
    })
    try {
      await waitUntil(() => statuses.length > 0, 'the first status')
      expect(statuses[0]).toEqual({ state: 'connected' })
      mongo.server!.faults.dropConnections()
      await waitUntil(() => statuses.some((status) => status.state === 'reconnected'), 'a reconnected status')
    } finally {
      await subscription.close()
    }
  })
})

// A database-level stream (what durabl opens) sees the drop of the jobs collection as a `drop`
// event and goes on; a collection stream was invalidated by it (manual, "Change Events: drop",
// "invalidate"). Either way subscribers keep being woken for jobs of the recreated collection.
describe('a stream across a dropped jobs collection', () => {
  it('keeps waking after the collection is dropped', async (context) => {
    mongo.require(context, 'changeStreams')
    const db = await mongo.db()
    const backend = new MongoBackend({ db })
    await backend.startup()
    const statuses: PushStatus[] = []
    const wakes: Array<{ type?: string }> = []
    const subscription = await backend.subscribe!({
      types: ['wake'],
      onWake: (wake) => wakes.push(wake),
      onStatus: (status) => statuses.push(status),
    })
    try {
      await waitUntil(() => statuses.length > 0, 'the stream to open')
      await db.collection('durabl_jobs').drop()
      await backend.startup()
      wakes.length = 0
      await backend.enqueueJobs({
        jobs: [
          {
            type: 'wake',
            data: {},
            priority: 0,
            runAt: new Date(),
            maxAttempts: 1,
            backoff: { type: 'fixed', delayMs: 1 },
            timeoutMs: null,
            dedupeKey: null,
            dedupeScope: null,
            metadata: {},
          },
        ],
        now: new Date(),
      })
      await waitUntil(() => wakes.some((wake) => wake.type === 'wake'), 'a wake after the restart', 15_000)
    } finally {
      await subscription.close()
    }
  })
})
