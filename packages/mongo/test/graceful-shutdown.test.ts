import { JobQueue } from '@durabl/core'
import { useMongo } from '@durabl/mongo-server/harness'
import { describe, expect, it } from 'vitest'
import { MongoBackend } from '../src/index.js'
import { waitUntil } from './support/wait-until.js'

const mongo = await useMongo()

describe('graceful shutdown with jobs in flight', () => {
  it('completes the jobs that finish in the grace period and releases the rest; none stays active', async () => {
    const db = await mongo.db()
    const backend = new MongoBackend({ db })
    const queue = new JobQueue(backend, { workerId: 'stopping' })
    const started = new Set<number>()
    queue.process<{ n: number; quick: boolean }>(
      'in-flight',
      async (job, context) => {
        started.add(job.data.n)
        if (job.data.quick) {
          await new Promise((resolve) => setTimeout(resolve, 50))
          return 'done'
        }
        // A slow job that stops when told to (the grace period ended).
        await new Promise((resolve) => context.signal.addEventListener('abort', resolve, { once: true }))
        throw context.signal.reason
      },
      { concurrency: 6 },
    )
    await queue.startup()
    await queue.enqueueMany(
      Array.from({ length: 6 }, (_, n) => ({ type: 'in-flight', data: { n, quick: n % 2 === 0 } })),
    )
    await waitUntil(() => started.size === 6, 'all six jobs to start')
    await queue.shutdown(500)

    const stats = await backend.getStats({ now: new Date() })
    expect(stats.total.active).toBe(0)
    expect(stats.total.completed).toBe(3)
    expect(stats.total.pending).toBe(3)
    const released = await backend.listJobs({ filter: { state: 'pending' }, limit: 10 })
    for (const job of released.jobs) {
      // Released at shutdown: due now, the attempt not counted, lease cleared.
      expect(job).toMatchObject({ attempts: 0, leaseToken: null, workerId: null, leaseExpiresAt: null })
    }

    // Another worker picks the released jobs up at once.
    const next = new JobQueue(new MongoBackend({ db }), { workerId: 'next' })
    const ranNext: number[] = []
    next.process<{ n: number }>(
      'in-flight',
      (job) => {
        ranNext.push(job.data.n)
      },
      { concurrency: 6 },
    )
    await next.startup()
    try {
      await waitUntil(() => ranNext.length === 3, 'the released jobs to run on the next worker')
    } finally {
      await next.shutdown(1_000)
    }
    expect(ranNext.sort()).toEqual([1, 3, 5])
  })
})
