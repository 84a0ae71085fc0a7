import { JobQueue } from '@durabl/core'
import { MemoryBackend, TestClock } from '@durabl/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { advanceUntil, deferred, recordEvents } from './helpers.js'

describe('claiming and scheduling', () => {
  const queues: JobQueue[] = []
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((queue) => queue.shutdown(0)))
  })
  function track(queue: JobQueue): JobQueue {
    queues.push(queue)
    return queue
  }

  it('runs jobs in priority order (lower first) on a concurrency-1 worker', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    const queue = track(new JobQueue(backend, { clock }))
    const order: string[] = []
    queue.process<{ name: string }>('ordered', async (job) => {
      order.push(job.data.name)
    })
    for (const [name, priority] of [
      ['low', 10],
      ['high', -5],
      ['default', 0],
      ['highest', -10],
    ] as const) {
      await queue.enqueue('ordered', { name }, { priority })
    }
    await queue.startup()
    await advanceUntil(clock, () => order.length === 4)
    expect(order).toEqual(['highest', 'high', 'default', 'low'])
  })

  it('never runs more than instanceConcurrency jobs at once across types', async () => {
    const backend = new MemoryBackend()
    const queue = track(new JobQueue(backend, { instanceConcurrency: 4 }))
    let running = 0
    let maxRunning = 0
    let done = 0
    const handler = async () => {
      running++
      maxRunning = Math.max(maxRunning, running)
      await new Promise((resolve) => setImmediate(resolve))
      running--
      done++
    }
    queue.process('a', handler, { concurrency: 10, pollIntervalMs: 20 })
    queue.process('b', handler, { concurrency: 10, pollIntervalMs: 20 })
    await queue.startup()
    await queue.enqueueMany(
      Array.from({ length: 60 }, (_, index) => ({ type: index % 2 === 0 ? 'a' : 'b', data: { index } })),
    )
    await vi.waitFor(() => expect(done).toBe(60), { timeout: 10_000, interval: 10 })
    expect(maxRunning).toBe(4)
  })

  it('claims in batches, never with more than one claim in flight', async () => {
    const backend = new MemoryBackend()
    const queue = track(new JobQueue(backend))
    let inFlight = 0
    let maxInFlight = 0
    const claimJobs = backend.claimJobs.bind(backend)
    const limits: number[] = []
    backend.claimJobs = async (params) => {
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      limits.push(params.limit)
      try {
        return await claimJobs(params)
      } finally {
        inFlight--
      }
    }
    let done = 0
    queue.process('batched', async () => void done++, { concurrency: 8, pollIntervalMs: 20 })
    await queue.enqueueMany(Array.from({ length: 40 }, () => ({ type: 'batched', data: null })))
    await queue.startup()
    await vi.waitFor(() => expect(done).toBe(40), { timeout: 10_000, interval: 10 })
    expect(maxInFlight).toBe(1)
    expect(limits[0]).toBe(8)
    // Freed slots are claimed together, not one claim per job.
    expect(limits.length).toBeLessThan(40)
  })

  it('a producer-only queue makes no claims; with no schedules its only timer is the schedule scan', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    const claimSpy = vi.spyOn(backend, 'claimJobs')
    const recoverSpy = vi.spyOn(backend, 'recoverExpiredLeases')
    const subscribeSpy = vi.spyOn(backend, 'subscribe')
    const listSpy = vi.spyOn(backend.schedules, 'listSchedules')
    // The worker registry keeps its own timer; this is about processing and schedules.
    const queue = track(new JobQueue(backend, { clock, workerRegistryIntervalMs: false }))
    await queue.startup()
    await queue.enqueue('elsewhere', { a: 1 })
    await clock.advance(120_000)
    expect(claimSpy).not.toHaveBeenCalled()
    expect(recoverSpy).not.toHaveBeenCalled()
    // No schedule to run: no subscription, one read at start and one per scan interval (60 s).
    expect(subscribeSpy).not.toHaveBeenCalled()
    expect(listSpy).toHaveBeenCalledTimes(3)
    expect(clock.pendingTimerCount).toBe(1)
  })

  it('a producer-only queue that does not run schedules sets no timers', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    const queue = track(
      new JobQueue(backend, { clock, schedules: { run: false }, workerRegistryIntervalMs: false }),
    )
    await queue.startup()
    await queue.enqueue('elsewhere', { a: 1 })
    await clock.advance(120_000)
    expect(clock.pendingTimerCount).toBe(0)
  })

  it('picks a job up on a push wake without waiting for the poll', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    const queue = track(new JobQueue(backend, { clock }))
    const ran = deferred<string>()
    queue.process('pushed', async (job) => ran.resolve(job.id))
    const events = recordEvents(queue, ['push:connected'])
    await queue.startup()
    await clock.advance(0)
    expect(events.of('push:connected')).toHaveLength(1)
    const id = await queue.enqueue('pushed', {})
    // The clock never moves: only the wake can have started the job.
    await expect(ran.promise).resolves.toBe(id)
  })

  it('sets one timer for a wake due later and claims when it fires', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    const queue = track(new JobQueue(backend, { clock }))
    const ran: string[] = []
    queue.process('later', async (job) => void ran.push(job.id))
    await queue.startup()
    await clock.advance(0)
    const id = (await queue.enqueue('later', {}, { delayMs: 2_000 }))!
    await clock.advance(1_900)
    expect(ran).toEqual([])
    await advanceUntil(clock, () => ran.length === 1, { stepMs: 50, maxSteps: 10 })
    expect(ran).toEqual([id])
  })

  it('reports slots in use per type and overall through getConcurrency()', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    const queue = track(new JobQueue(backend, { clock, instanceConcurrency: 5 }))
    const release = deferred<void>()
    const started = deferred<void>()
    let running = 0
    queue.process(
      'slow',
      async () => {
        if (++running === 2) started.resolve()
        await release.promise
      },
      { concurrency: 3 },
    )
    queue.process('idle', async () => {}, { concurrency: 2 })
    expect(queue.getConcurrency()).toEqual({
      limit: 5,
      inUse: 0,
      types: [
        { type: 'slow', limit: 3, inUse: 0 },
        { type: 'idle', limit: 2, inUse: 0 },
      ],
    })
    await queue.startup()
    await queue.enqueueMany([
      { type: 'slow', data: {} },
      { type: 'slow', data: {} },
    ])
    await clock.advance(0)
    await started.promise
    expect(queue.getConcurrency().inUse).toBe(2)
    expect(queue.getConcurrency().types[0]).toEqual({ type: 'slow', limit: 3, inUse: 2 })
    release.resolve()
  })

  it('claims once when push connects, for jobs written before the stream opened', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    // A backend whose stream opens late and announces nothing written before it.
    let connect: (() => void) | undefined
    backend.subscribe = async (params) => {
      connect = () => params.onStatus({ state: 'connected' })
      return { close: async () => {} }
    }
    const queue = track(new JobQueue(backend, { clock }))
    const ran = deferred<string>()
    queue.process('early', async (job) => ran.resolve(job.id))
    await queue.startup()
    await clock.advance(0)
    const id = await queue.enqueue('early', {})
    expect(connect).toBeDefined()
    connect!()
    // The clock never moves, so neither the poll nor a wake can have started the job.
    await expect(ran.promise).resolves.toBe(id)
  })

  it('frees a slot when the handler returns, so the next claim overlaps the acknowledgement', async () => {
    const backend = new MemoryBackend()
    const written = deferred<void>()
    const completeJobs = backend.completeJobs.bind(backend)
    backend.completeJobs = async (params) => {
      await written.promise // the database is slow to take acknowledgements
      return completeJobs(params)
    }
    const clock = new TestClock()
    // instanceConcurrency 2 caps unwritten acknowledgements at 2.
    const queue = track(new JobQueue(backend, { clock, instanceConcurrency: 2 }))
    const started: number[] = []
    queue.process<{ n: number }>('overlap', async (job) => void started.push(job.data.n), { concurrency: 1 })
    await queue.enqueueMany([1, 2, 3, 4].map((n) => ({ type: 'overlap', data: { n } })))
    await queue.startup()
    // Jobs 1 and 2 start one after the other although no acknowledgement was written; job 3 waits:
    // two unwritten acknowledgements reached the cap, so the slot now waits for its write.
    await advanceUntil(clock, () => started.length === 3, { stepMs: 0, maxSteps: 50 })
    for (let turn = 0; turn < 20; turn++) await clock.advance(0)
    expect(started).toEqual([1, 2, 3])
    const completed = recordEvents(queue, ['job:completed'])
    expect(queue.getConcurrency().inUse).toBe(1)
    written.resolve()
    await advanceUntil(clock, () => completed.of('job:completed').length === 4, { stepMs: 0, maxSteps: 100 })
    expect(started).toEqual([1, 2, 3, 4])
  })

  it('remembers every announced due time, not only the earliest', async () => {
    // A job due after an earlier wake must not wait for the poll (a minute while push is live).
    const backend = new MemoryBackend()
    const clock = new TestClock()
    const queue = track(new JobQueue(backend, { clock }))
    const ran: string[] = []
    queue.process('later', async (job) => void ran.push(job.id), { concurrency: 2 })
    await queue.startup()
    await clock.advance(0)
    const first = (await queue.enqueue('later', {}, { delayMs: 500 }))!
    const second = (await queue.enqueue('later', {}, { delayMs: 2_000 }))!
    await advanceUntil(clock, () => ran.length === 1, { stepMs: 50, maxSteps: 12 })
    expect(ran).toEqual([first])
    await advanceUntil(clock, () => ran.length === 2, { stepMs: 50, maxSteps: 32 })
    expect(ran).toEqual([first, second])
    expect(clock.now().getTime() - (await queue.getJob(second))!.runAt.getTime()).toBeLessThan(100)
  })

  it('polls at pollIntervalMs when push is not available', async () => {
    const backend = new MemoryBackend()
    Object.defineProperty(backend, 'capabilities', { value: { ...backend.capabilities, push: false } })
    const clock = new TestClock()
    const queue = track(new JobQueue(backend, { clock }))
    const ran: string[] = []
    queue.process('polled', async (job) => void ran.push(job.id), { pollIntervalMs: 1_000 })
    await queue.startup()
    await clock.advance(0)
    await queue.enqueue('polled', {})
    await clock.advance(900)
    expect(ran).toHaveLength(0)
    await clock.advance(100)
    expect(ran).toHaveLength(1)
  })

  it('emits push:fallback once and catches up after push:reconnected', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    let onStatus: ((status: import('@durabl/core').PushStatus) => void) | undefined
    backend.subscribe = async (params) => {
      onStatus = params.onStatus
      return { close: async () => {} }
    }
    const queue = track(new JobQueue(backend, { clock }))
    const ran: string[] = []
    queue.process('flaky-stream', async (job) => void ran.push(job.id))
    const events = recordEvents(queue, ['push:fallback', 'push:reconnected'])
    await queue.startup()
    await clock.advance(0)
    onStatus?.({ state: 'fallback', reason: 'standalone server' })
    onStatus?.({ state: 'fallback', reason: 'standalone server' })
    expect(events.of('push:fallback')).toEqual([{ reason: 'standalone server' }])
    await queue.enqueue('flaky-stream', {})
    onStatus?.({ state: 'reconnected' })
    await vi.waitFor(() => expect(ran).toHaveLength(1), { timeout: 2_000, interval: 5 })
    expect(events.of('push:reconnected')).toHaveLength(1)
  })

  it('reports a failing claim as queue:error and retries with backoff', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    const claimJobs = backend.claimJobs.bind(backend)
    let failuresLeft = 3
    const claimSpy = vi.fn(async (params: Parameters<typeof claimJobs>[0]) => {
      if (failuresLeft-- > 0) throw new Error('connection reset')
      return claimJobs(params)
    })
    backend.claimJobs = claimSpy
    const queue = track(new JobQueue(backend, { clock }))
    const ran: string[] = []
    queue.process('retry-claim', async (job) => void ran.push(job.id))
    const events = recordEvents(queue, ['queue:error'])
    await queue.enqueue('retry-claim', {})
    await queue.startup()
    await clock.advance(0)
    expect(claimSpy).toHaveBeenCalledTimes(1)
    await clock.advance(99)
    expect(claimSpy).toHaveBeenCalledTimes(1)
    await advanceUntil(clock, () => ran.length === 1, { stepMs: 100, maxSteps: 20 })
    expect(events.of('queue:error').map((event) => event.operation)).toEqual([
      'claimJobs',
      'claimJobs',
      'claimJobs',
    ])
  })
})
