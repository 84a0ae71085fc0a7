import { JobQueue } from '@durabl/core'
import { MemoryBackend } from '@durabl/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'

describe('exactly-once processing across queues', () => {
  const queues: JobQueue[] = []
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((queue) => queue.shutdown(0)))
  })

  it('runs 1,000 jobs across 3 queues at concurrency 8 each exactly once', async () => {
    const backend = new MemoryBackend()
    const invocations = new Map<string, number>()
    let running = 0
    let maxRunningPerQueue = 0
    const perQueueRunning = [0, 0, 0]
    for (let index = 0; index < 3; index++) {
      const queue = new JobQueue(backend, { workerId: `worker-${index}` })
      queue.process<{ n: number }>(
        'work',
        async (job) => {
          invocations.set(job.id, (invocations.get(job.id) ?? 0) + 1)
          running++
          perQueueRunning[index] = (perQueueRunning[index] ?? 0) + 1
          maxRunningPerQueue = Math.max(maxRunningPerQueue, perQueueRunning[index] ?? 0)
          // Yield so attempts of the three queues interleave.
          await new Promise((resolve) => setImmediate(resolve))
          perQueueRunning[index] = (perQueueRunning[index] ?? 0) - 1
          running--
          return job.data.n
        },
        { concurrency: 8, pollIntervalMs: 50 },
      )
      queues.push(queue)
    }
    await Promise.all(queues.map((queue) => queue.startup()))
    const producer = queues[0]!
    const ids: Array<string | null> = []
    for (let batch = 0; batch < 10; batch++) {
      const items = Array.from({ length: 100 }, (_, offset) => ({
        type: 'work',
        data: { n: batch * 100 + offset },
      }))
      ids.push(...(await producer.enqueueMany(items)))
    }
    expect(ids.every((id) => typeof id === 'string')).toBe(true)

    await vi.waitFor(
      async () => {
        const stats = await producer.getStats('work')
        expect(stats.total.completed).toBe(1_000)
      },
      { timeout: 20_000, interval: 20 },
    )
    expect(invocations.size).toBe(1_000)
    expect([...invocations.values()].every((count) => count === 1)).toBe(true)
    expect(maxRunningPerQueue).toBeLessThanOrEqual(8)
    expect(running).toBe(0)
    const stats = await producer.getStats()
    expect(stats.total.active).toBe(0)
    expect(stats.total.pending).toBe(0)
  })
})
