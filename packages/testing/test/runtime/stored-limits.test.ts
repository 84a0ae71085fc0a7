import { JobQueue, ValidationError } from '@durabl/core'
import { MemoryBackend, TestClock } from '@durabl/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { deferred } from './helpers.js'

const HOUR_MS = 3_600_000

/**
 * `queue.limits`: limits stored with the type's control, set from one queue and applied by every
 * queue on the backend (here two queues on one MemoryBackend; time moves only when the test says).
 */
describe('stored limits (queue.limits)', () => {
  const queues: JobQueue[] = []
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((queue) => queue.shutdown(0)))
  })

  function queueOn(backend: MemoryBackend, clock: TestClock, workerId: string) {
    const queue = new JobQueue(backend, { clock, workerId, workerRegistryIntervalMs: false })
    queues.push(queue)
    return queue
  }

  it('a limit set through one queue holds the other queue to it, and removing it lifts it', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    const admin = queueOn(backend, clock, 'admin')
    const worker = queueOn(backend, clock, 'worker')
    const stored = await admin.limits.set('report', { concurrency: 1, perKey: { concurrency: 1 } })
    expect(stored).toMatchObject({ type: 'report', limits: { concurrency: 1, perKey: { concurrency: 1 } } })
    const release = deferred<void>()
    const running = new Set<string>()
    let most = 0
    worker.process(
      'report',
      async (job) => {
        running.add(job.id)
        most = Math.max(most, running.size)
        await release.promise
        running.delete(job.id)
      },
      { concurrency: 5, pollIntervalMs: HOUR_MS },
    )
    await worker.enqueueMany(Array.from({ length: 4 }, (_, n) => ({ type: 'report', data: { n } })))
    await worker.startup()
    await vi.waitFor(() => expect(running.size).toBe(1))
    expect((await worker.getStats('report')).types[0]).toMatchObject({ active: 1, pending: 3 })
    expect(await admin.limits.list()).toEqual([expect.objectContaining({ type: 'report' })])
    expect(await admin.limits.remove('report')).toBe(true)
    expect(await admin.limits.get('report')).toBeNull()
    release.resolve()
    await vi.waitFor(async () => expect((await worker.getStats('report')).types[0]?.completed).toBe(4))
    expect(most).toBeGreaterThanOrEqual(1)
  })

  it('refuses bad limits naming the field and the value, and writes nothing', async () => {
    const backend = new MemoryBackend()
    const queue = queueOn(backend, new TestClock(), 'admin')
    await expect(queue.limits.set('report', { concurrency: 0 })).rejects.toThrow(ValidationError)
    await expect(queue.limits.set('report', { concurrency: 0 })).rejects.toThrow(/limits\.concurrency.*0/s)
    await expect(queue.limits.set('report', { rateLimit: { max: -1, perMs: 1_000 } })).rejects.toThrow(
      /limits\.rateLimit\.max.*-1/s,
    )
    expect(await queue.limits.list()).toEqual([])
  })
})
