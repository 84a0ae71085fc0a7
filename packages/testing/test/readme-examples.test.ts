import { JobQueue } from '@durabl/core'
import { describe, expect, it } from 'vitest'
import { DummyBackend, ImmediateBackend, MemoryBackend, TestClock } from '../src/index.js'

// The README's examples, run against the real JobQueue, so the docs cannot drift from the code.
describe('README examples', () => {
  it('DummyBackend: queues one welcome email per user', async () => {
    const backend = new DummyBackend()
    const queue = new JobQueue(backend)
    await queue.enqueue('welcome-email', { userId: 'u_42' }, { dedupeKey: 'welcome:u_42' })
    expect(await queue.enqueue('welcome-email', { userId: 'u_42' }, { dedupeKey: 'welcome:u_42' })).toBeNull()

    expect(backend.jobs).toHaveLength(1)
    expect(backend.jobs[0]?.dedupeKey).toBe('welcome:u_42')
    expect(backend.enqueued('welcome-email')[0]?.data).toEqual({ userId: 'u_42' })
    expect(backend.calls.map((call) => call.method)).toContain('enqueueJobs')
    backend.clear()
    expect(backend.jobs).toEqual([])
  })

  it('ImmediateBackend: resizes the image when the job is enqueued', async () => {
    const backend = new ImmediateBackend()
    const queue = new JobQueue(backend)
    const resized: string[] = []
    queue.process<{ image: string }>('resize', async (job) => {
      resized.push(job.data.image)
    })
    await queue.startup()

    await queue.enqueue('resize', { image: 'a.png' }, { delayMs: 60_000 })
    expect(resized).toEqual(['a.png'])
    expect(backend.jobs[0]?.state).toBe('completed')
    await queue.shutdown()
  })

  it('MemoryBackend: a transaction writes on commit only', async () => {
    const backend = new MemoryBackend()
    const queue = new JobQueue(backend)
    const session = backend.startSession()
    const id = await queue.enqueue('invoice', { orderId: 7 }, { session })
    expect(await queue.getJob(id!)).toBeNull()
    await session.commitTransaction()
    await session.endSession()
    expect((await queue.getJob(id!))?.state).toBe('pending')
  })

  it('TestClock: retries after the backoff', async () => {
    const clock = new TestClock(new Date('2030-01-01T00:00:00Z'))
    const backend = new MemoryBackend()
    const queue = new JobQueue(backend, { clock })
    let calls = 0
    queue.process(
      'flaky',
      async () => {
        calls += 1
        if (calls === 1) throw new Error('first try fails')
      },
      { pollIntervalMs: 1_000 },
    )
    await queue.startup()

    const id = await queue.enqueue('flaky', {}, { backoff: { type: 'fixed', delayMs: 5_000 } })
    await clock.advance(1_000)
    await clock.advance(6_000)
    expect(calls).toBe(2)
    expect((await queue.getJob(id!))?.state).toBe('completed')
    await queue.shutdown()
  })
})
