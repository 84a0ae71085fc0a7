import { JobQueue, type PushSubscription, type SubscribeParams } from '@durabl/core'
import { MemoryBackend, TestClock } from '@durabl/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { deferred, recordEvents } from './helpers.js'

/**
 * Delayed jobs that no push wake-up announced run at their due time, not at the next poll: the
 * poll interval is an hour here, the clock moves only to the due time, and the job must start
 * there (`waitMs` 0). Issue 15: a 500 ms delay ran after the 60 s safety poll.
 */
const POLL_INTERVAL_MS = 3_600_000
const DELAY_MS = 500

describe('delayed jobs without a push wake-up', () => {
  const queues: JobQueue[] = []
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((queue) => queue.shutdown(0)))
  })

  function worker(backend: MemoryBackend, clock: TestClock, workerId = 'worker') {
    const queue = new JobQueue(backend, { clock, workerId })
    queues.push(queue)
    const ran: string[] = []
    queue.process('later', async (job) => void ran.push(job.id), { pollIntervalMs: POLL_INTERVAL_MS })
    const events = recordEvents(queue, ['job:active'])
    return { queue, ran, events }
  }

  /** Moves the clock to just before `runAt` (nothing runs), then to `runAt`, where the job must start. */
  async function expectRunsAtDueTime(clock: TestClock, runAt: Date, ran: string[], id: string) {
    await clock.advanceTo(new Date(runAt.getTime() - 1))
    expect(ran).toEqual([])
    await clock.advanceTo(runAt)
    // The clock stays at runAt: only a timer set for the due time can have started the job.
    await vi.waitFor(() => expect(ran).toEqual([id]), { timeout: 5_000, interval: 5 })
  }

  it('runs a job enqueued before startup() at its due time', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    const { queue, ran, events } = worker(backend, clock)
    const id = (await queue.enqueue('later', {}, { delayMs: DELAY_MS }))!
    const runAt = (await backend.getJob({ id }))!.runAt
    await queue.startup()
    await expectRunsAtDueTime(clock, runAt, ran, id)
    expect(events.of('job:active')[0]?.waitMs).toBe(0)
  })

  it('runs a job enqueued right after startup(), before the push stream opened, at its due time', async () => {
    // A change stream opens some time after startup() resolved; what is written meanwhile is
    // announced to nobody. Here the stream opens only when the test says so.
    const streamOpen = deferred()
    const backend = new (class extends MemoryBackend {
      override async subscribe(params: SubscribeParams): Promise<PushSubscription> {
        await streamOpen.promise
        return super.subscribe(params)
      }
    })()
    const clock = new TestClock()
    const { queue, ran } = worker(backend, clock)
    const connected = recordEvents(queue, ['push:connected'])
    await queue.startup()
    const id = (await queue.enqueue('later', {}, { delayMs: DELAY_MS }))!
    streamOpen.resolve()
    await vi.waitFor(() => expect(connected.of('push:connected')).toHaveLength(1))
    await expectRunsAtDueTime(clock, (await backend.getJob({ id }))!.runAt, ran, id)
  })

  it('runs a job a producer-only queue wrote before the worker started at its due time', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    const producer = new JobQueue(backend, { clock, workerId: 'producer' })
    queues.push(producer)
    await producer.startup()
    const id = (await producer.enqueue('later', {}, { delayMs: DELAY_MS }))!
    const { queue, ran } = worker(backend, clock)
    await queue.startup()
    await expectRunsAtDueTime(clock, (await backend.getJob({ id }))!.runAt, ran, id)
  })

  it('runs a job left pending across a worker restart at its due time', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    const first = worker(backend, clock, 'first')
    await first.queue.startup()
    await clock.advance(0)
    const id = (await first.queue.enqueue('later', {}, { delayMs: 10_000 }))!
    await clock.advance(1_000)
    await first.queue.shutdown(0)
    expect(first.ran).toEqual([])
    const second = worker(backend, clock, 'second')
    await second.queue.startup()
    await expectRunsAtDueTime(clock, (await backend.getJob({ id }))!.runAt, second.ran, id)
  })

  it('runs several delayed jobs each at its own due time, learning the next after each claim', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    const { queue, ran, events } = worker(backend, clock)
    const ids: string[] = []
    for (const delayMs of [3_000, 1_000, 2_000]) ids.push((await queue.enqueue('later', {}, { delayMs }))!)
    await queue.startup()
    const start = clock.now().getTime()
    for (const [index, delayMs] of [1_000, 2_000, 3_000].entries()) {
      await clock.advanceTo(new Date(start + delayMs))
      await vi.waitFor(() => expect(ran).toHaveLength(index + 1), { timeout: 5_000, interval: 5 })
    }
    expect(ran).toEqual([ids[1], ids[2], ids[0]])
    expect(events.of('job:active').map((event) => event.waitMs)).toEqual([0, 0, 0])
  })

  it('asks for the next due time after a short claim, at most once per claim', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    const nextDueAt = vi.spyOn(backend, 'nextDueAt')
    const claimJobs = vi.spyOn(backend, 'claimJobs')
    const { queue } = worker(backend, clock)
    await queue.startup()
    await vi.waitFor(() => expect(claimJobs).toHaveBeenCalled(), { timeout: 5_000, interval: 5 })
    await vi.waitFor(() => expect(nextDueAt).toHaveBeenCalledTimes(claimJobs.mock.calls.length))
    expect(nextDueAt.mock.calls[0]?.[0]).toMatchObject({ types: ['later'] })
  })
})
