import { JobQueue, type PushStatus } from '@durabl/core'
import { MemoryBackend, TestClock } from '@durabl/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { advanceUntil, recordEvents } from './helpers.js'

describe('processor options, progress and admin passthroughs', () => {
  let queue: JobQueue
  afterEach(async () => {
    await queue.shutdown(0)
  })

  it('uses a backoff function given to process(), and falls back to the stored policy if it breaks', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    queue = new JobQueue(backend, { clock })
    const seen: Array<[number, string]> = []
    queue.process(
      'custom-backoff',
      async (job) => {
        if (job.attempts < 3) throw new Error(`attempt ${job.attempts}`)
      },
      {
        backoff: (attempt, error) => {
          seen.push([attempt, error.message])
          if (attempt === 2) return Number.NaN
          return 250
        },
      },
    )
    const events = recordEvents(queue, ['job:failed', 'queue:error'])
    await queue.startup()
    const id = (await queue.enqueue('custom-backoff', {}, { backoff: { type: 'fixed', delayMs: 400 } }))!
    await advanceUntil(clock, async () => (await backend.getJob({ id }))?.state === 'completed', {
      stepMs: 50,
    })
    expect(seen).toEqual([
      [1, 'attempt 1'],
      [2, 'attempt 2'],
    ])
    const [first, second] = events.of('job:failed')
    expect(first!.retryAt!.getTime() - first!.job.startedAt!.getTime()).toBe(250)
    expect(second!.retryAt!.getTime() - second!.job.startedAt!.getTime()).toBe(400)
    expect(events.of('queue:error').map((event) => event.operation)).toEqual(['backoff'])
  })

  it('emits job:progress and stores progress and logs with the acknowledgement', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    queue = new JobQueue(backend, { clock })
    queue.process('reports', async (_job, ctx) => {
      ctx.progress({ done: 1, of: 2 })
      ctx.log('first half')
      ctx.progress({ done: 2, of: 2 })
      expect(() => ctx.progress({ bad: () => 1 })).toThrow('progress.bad is a function')
    })
    const events = recordEvents(queue, ['job:progress', 'job:completed'])
    await queue.startup()
    const id = (await queue.enqueue('reports', {}))!
    await advanceUntil(clock, () => events.of('job:completed').length === 1)
    expect(events.of('job:progress').map((event) => event.progress)).toEqual([
      { done: 1, of: 2 },
      { done: 2, of: 2 },
    ])
    const job = await backend.getJob({ id })
    expect(job?.progress).toEqual({ done: 2, of: 2 })
    expect(job?.logs.map((entry) => [entry.attempt, entry.message])).toEqual([[1, 'first half']])
  })

  it('polls at the push interval while push is live and at the normal one after a fallback', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    let onStatus: ((status: PushStatus) => void) | undefined
    backend.subscribe = async (params) => {
      onStatus = params.onStatus
      params.onStatus({ state: 'connected' })
      return { close: async () => {} }
    }
    const claimSpy = vi.spyOn(backend, 'claimJobs')
    queue = new JobQueue(backend, { clock })
    queue.process('quiet', async () => {})
    await queue.startup()
    await clock.advance(0)
    const afterStart = claimSpy.mock.calls.length
    await clock.advance(59_000)
    expect(claimSpy.mock.calls.length).toBe(afterStart)
    await clock.advance(1_000)
    expect(claimSpy.mock.calls.length).toBe(afterStart + 1)
    onStatus?.({ state: 'fallback', reason: 'stream closed' })
    await clock.advance(5_000)
    expect(claimSpy.mock.calls.length).toBe(afterStart + 2)
  })

  it('passes stats, getJob, cancelJob and retryJob through to the backend', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    queue = new JobQueue(backend, { clock })
    const id = (await queue.enqueue('admin', { a: 1 }, { delayMs: 60_000 }))!
    expect((await queue.getStats('admin')).total.delayed).toBe(1)
    expect((await queue.getJob(id))?.data).toEqual({ a: 1 })
    expect(await queue.cancelJob(id)).toBe(true)
    expect(await queue.cancelJob(id)).toBe(false)
    expect(await queue.retryJob(id)).toBe(true)
    expect((await queue.getJob(id))?.state).toBe('pending')
    await expect(queue.getJob('')).rejects.toThrow('id must be a non-empty string, got ""')
  })
})
