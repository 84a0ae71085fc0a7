import { JobQueue } from '@durabl/core'
import { useMongo } from '@durabl/mongo-server/harness'
import { describe, expect, it } from 'vitest'
import { MongoBackend } from '../src/index.js'
import { waitUntil } from './support/wait-until.js'

const mongo = await useMongo()

describe('exactly once without faults', () => {
  it('runs each of 2,000 jobs exactly once across 4 queues (own clients) at concurrency 8', async () => {
    const db = await mongo.db()
    const producer = new MongoBackend({ db })
    await producer.startup()
    const runs = new Map<number, number>()
    const queues: JobQueue[] = []
    for (let index = 0; index < 4; index++) {
      const client = await mongo.newClient()
      const queue = new JobQueue(new MongoBackend({ db: client.db(db.databaseName) }), {
        workerId: `worker-${index}`,
      })
      queue.process<{ n: number }>(
        'count',
        (job) => {
          runs.set(job.data.n, (runs.get(job.data.n) ?? 0) + 1)
        },
        { concurrency: 8 },
      )
      queues.push(queue)
    }
    await Promise.all(queues.map((queue) => queue.startup()))
    try {
      const producerQueue = new JobQueue(producer)
      for (let start = 0; start < 2_000; start += 500) {
        const ids = await producerQueue.enqueueMany(
          Array.from({ length: 500 }, (_, offset) => ({ type: 'count', data: { n: start + offset } })),
        )
        expect(ids.every((id) => typeof id === 'string')).toBe(true)
      }
      await waitUntil(
        async () => (await producer.getStats({ now: new Date() })).total.completed === 2_000,
        'all 2,000 jobs completed',
        60_000,
        100,
      )
      expect(runs.size).toBe(2_000)
      const repeated = [...runs].filter(([, count]) => count !== 1)
      expect(repeated).toEqual([])
      const stats = await producer.getStats({ now: new Date() })
      expect(stats.total).toMatchObject({ pending: 0, active: 0, failed: 0, completed: 2_000 })
    } finally {
      await Promise.all(queues.map((queue) => queue.shutdown(5_000)))
    }
  }, 90_000)
})
