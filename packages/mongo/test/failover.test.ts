import { BackendError, JobQueue } from '@durabl/core'
import { useMongo } from '@durabl/mongo-server/harness'
import { describe, expect, it } from 'vitest'
import { MongoBackend } from '../src/index.js'
import { waitUntil } from './support/wait-until.js'

const mongo = await useMongo()

describe('a step-down and a dropped connection mid-processing', () => {
  it('do not crash the process; operations fail as transient and processing resumes', async (context) => {
    mongo.require(context, 'inProcessServer')
    const db = await mongo.db()
    const workerClient = await mongo.newClient({ serverSelectionTimeoutMS: 1_000 })
    const queue = new JobQueue(new MongoBackend({ db: workerClient.db(db.databaseName) }), {
      recoverIntervalMs: 200,
    })
    const errors: unknown[] = []
    queue.on('queue:error', ({ error }) => errors.push(error))
    const ran = new Set<number>()
    queue.process<{ n: number }>(
      'steady',
      async (job) => {
        await new Promise((resolve) => setTimeout(resolve, 20))
        ran.add(job.data.n)
      },
      { concurrency: 4, pollIntervalMs: 100, leaseMs: 2_000 },
    )
    await queue.startup()
    const producer = new MongoBackend({ db })
    const producerQueue = new JobQueue(producer)
    try {
      await producerQueue.enqueueMany(Array.from({ length: 40 }, (_, n) => ({ type: 'steady', data: { n } })))
      await waitUntil(() => ran.size >= 5, 'processing to start')
      mongo.server!.faults.notPrimary(1_500)
      await waitUntil(() => errors.length > 0, 'the queue to see the step-down', 10_000)
      mongo.server!.faults.dropConnections()
      await waitUntil(() => ran.size === 40, 'every job to run after the outage', 30_000)
      await waitUntil(
        async () => (await producer.getStats({ now: new Date() })).total.completed === 40,
        'every job to be completed',
      )
    } finally {
      mongo.server!.faults.clear()
      await queue.shutdown(5_000)
    }
    for (const error of errors) {
      expect(BackendError.isInstance(error), String(error)).toBe(true)
      expect((error as BackendError).transient, String(error)).toBe(true)
    }
  })
})
