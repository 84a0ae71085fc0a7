import { JobQueue } from '@durabl/core'
import { useMongo } from '@durabl/mongo-server/harness'
import type { Db } from 'mongodb'
import { afterEach, describe, expect, it } from 'vitest'
import { MongoBackend } from '../src/index.js'
import { waitUntil } from './support/wait-until.js'

/**
 * Delayed jobs no change event announced to the worker run at their due time, not at the next
 * poll. The poll interval is an hour here; each job must start within a few seconds of its due
 * time, far below it. Issue 15: a 500 ms delay ran after the 60 s safety poll.
 *
 * mongod behaviour relied on: a change stream reports only changes made after it was opened
 * (manual, "Change Streams": a stream without a resume token starts at the current operation
 * time), so a job inserted before a worker's stream opened is announced to nobody.
 */
const mongo = await useMongo()
const POLL_INTERVAL_MS = 3_600_000
const DELAY_MS = 500
/** Far below the poll interval and well above any scheduling jitter. */
const BOUND_MS = 8_000

describe('delayed jobs on MongoDB without a change event', () => {
  const queues: JobQueue[] = []
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((queue) => queue.shutdown(1_000)))
  })

  function worker(db: Db, workerId: string) {
    const queue = new JobQueue(new MongoBackend({ db }), { workerId })
    queues.push(queue)
    const ran = new Map<string, number>()
    queue.process('later', async (job) => void ran.set(job.id, Date.now()), {
      pollIntervalMs: POLL_INTERVAL_MS,
    })
    return { queue, ran }
  }

  async function expectRunsSoonAfterDue(db: Db, ran: Map<string, number>, id: string) {
    const runAt = (await new MongoBackend({ db }).getJob({ id }))!.runAt
    await waitUntil(
      () => ran.has(id),
      `job ${id} to run within ${BOUND_MS} ms of its due time`,
      BOUND_MS + 2_000,
    )
    const startedAt = ran.get(id)!
    expect(startedAt).toBeGreaterThanOrEqual(runAt.getTime())
    expect(startedAt - runAt.getTime()).toBeLessThan(BOUND_MS)
  }

  it('runs a job enqueued before startup()', async () => {
    const db = await mongo.db()
    const { queue, ran } = worker(db, 'before')
    const id = (await queue.enqueue('later', {}, { delayMs: DELAY_MS }))!
    await queue.startup()
    await expectRunsSoonAfterDue(db, ran, id)
  })

  it('runs a job enqueued right after startup(), before the change stream is open', async () => {
    const db = await mongo.db()
    const backend = new MongoBackend({ db })
    // startup() does not wait for the stream; here it opens only after the write, as it may in
    // production, so the insert is announced to nobody and only the catch-up claim sees the database.
    let markWritten!: () => void
    const written = new Promise<void>((resolve) => {
      markWritten = resolve
    })
    const openStream = backend.subscribe!
    Object.assign(backend, {
      subscribe: async (params: Parameters<typeof openStream>[0]) => {
        await written
        return openStream(params)
      },
    })
    const queue = new JobQueue(backend, { workerId: 'right-after' })
    queues.push(queue)
    const ran = new Map<string, number>()
    queue.process('later', async (job) => void ran.set(job.id, Date.now()), {
      pollIntervalMs: POLL_INTERVAL_MS,
    })
    const pushed = new Promise<string>((resolve) => {
      queue.once('push:connected', () => resolve('connected'))
      queue.once('push:fallback', () => resolve('fallback'))
    })
    await queue.startup()
    const id = (await queue.enqueue('later', {}, { delayMs: DELAY_MS }))!
    markWritten()
    await pushed
    await expectRunsSoonAfterDue(db, ran, id)
  })

  it('runs a job a producer-only process wrote before the worker started', async () => {
    const db = await mongo.db()
    const producerClient = await mongo.newClient()
    const producer = new JobQueue(new MongoBackend({ db: producerClient.db(db.databaseName) }))
    queues.push(producer)
    await producer.startup()
    const id = (await producer.enqueue('later', {}, { delayMs: 2_000 }))!
    const { queue, ran } = worker(db, 'consumer')
    await queue.startup()
    await expectRunsSoonAfterDue(db, ran, id)
  })

  it('runs a job left in the database across a worker restart', async () => {
    const db = await mongo.db()
    const first = worker(db, 'first')
    await first.queue.startup()
    const id = (await first.queue.enqueue('later', {}, { delayMs: 3_000 }))!
    await first.queue.shutdown(1_000)
    expect(first.ran.has(id)).toBe(false)
    const second = worker(db, 'second')
    await second.queue.startup()
    await expectRunsSoonAfterDue(db, second.ran, id)
  })
})
