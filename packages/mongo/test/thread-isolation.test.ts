import { type Job, JobQueue, JobTimeoutError } from '@durabl/core'
import { useMongo } from '@durabl/mongo-server/harness'
import { describe, expect, it } from 'vitest'
import { MongoBackend } from '../src/index.js'
import { waitUntil } from './support/wait-until.js'

const mongo = await useMongo()
const spinModule = new URL('./fixtures/thread-spin.mjs', import.meta.url)

/**
 * A thread-isolated handler stuck in a loop on a MongoDB-backed queue: its timeout terminates the
 * thread, the attempt fails with JobTimeoutError, and the type's one slot runs the next job on a
 * fresh thread. The lease lives in the main thread, so the spinning thread never loses it.
 */
describe('thread isolation on MongoDB', () => {
  it('terminates a handler stuck in a loop at its timeout and reuses its slot', async () => {
    const db = await mongo.db()
    const queue = new JobQueue(new MongoBackend({ db }), { workerRegistryIntervalMs: false })
    const failed: Array<{ job: Job; error: Error }> = []
    const completed: Job[] = []
    queue.on('job:failed', ({ job, error }) => failed.push({ job, error }))
    queue.on('job:completed', ({ job }) => completed.push(job))
    const threads = new Map<string, number>()
    queue.on('job:progress', ({ job, progress }) =>
      threads.set(job.id, (progress as { threadId: number }).threadId),
    )
    queue.process(
      'spin',
      { module: spinModule },
      { isolation: 'thread', concurrency: 1, threadTerminateGraceMs: 200, pollIntervalMs: 100 },
    )
    await queue.startup()
    try {
      const stuck = await queue.enqueue('spin', {}, { timeoutMs: 500, maxAttempts: 1 })
      const next = await queue.enqueue('spin', { spin: false })
      await waitUntil(
        () => completed.some((job) => job.id === next),
        'the next job to run on the freed slot',
        20_000,
      )
      expect(failed.map(({ job }) => job.id)).toEqual([stuck])
      expect(JobTimeoutError.isInstance(failed[0]?.error)).toBe(true)
      const stored = await queue.getJob(stuck as string)
      expect(stored?.state).toBe('failed')
      const first = threads.get(stuck as string)
      expect(first).toBeTypeOf('number')
      const second = threads.get(next as string)
      expect(second).not.toBe(first)
    } finally {
      await queue.shutdown(5_000)
    }
  })
})
