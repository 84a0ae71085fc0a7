import { JobQueue, NotSupportedError, type TypeLimits, ValidationError } from '@durabl/core'
import { MemoryBackend, TestClock } from '@durabl/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { deferred, recordEvents } from './helpers.js'

/**
 * Fleet-wide limits through the runtime (`options.limitsFor`) on a MemoryBackend. The poll interval
 * is an hour and time moves only when the test says: whatever starts a job is the mechanism under
 * test (a timer for a moved `runAt`, or an acknowledgement that freed a slot), never a poll.
 */
const HOUR_MS = 3_600_000

describe('limits in the runtime', () => {
  const queues: JobQueue[] = []
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((queue) => queue.shutdown(0)))
  })

  function queueWith(backend: MemoryBackend, clock: TestClock, limits: Record<string, TypeLimits>) {
    const queue = new JobQueue(backend, { clock, limitsFor: (type) => limits[type] ?? null })
    queues.push(queue)
    return queue
  }

  it('starts rate-limited jobs when the limit allows, woken by the due time, without spinning', async () => {
    const backend = new MemoryBackend()
    const claims = vi.spyOn(backend, 'claimJobs')
    const clock = new TestClock()
    const queue = queueWith(backend, clock, { mail: { rateLimit: { max: 2, perMs: 1_000 } } })
    const started: number[] = []
    queue.process('mail', (job) => void started.push(job.startedAt!.getTime() - t0), {
      concurrency: 10,
      pollIntervalMs: HOUR_MS,
    })
    const t0 = clock.now().getTime()
    await queue.enqueueMany(Array.from({ length: 6 }, (_, n) => ({ type: 'mail', data: { n } })))
    await queue.startup()
    await vi.waitFor(() => expect(started).toEqual([0, 0]))
    await clock.advance(999)
    expect(started).toHaveLength(2)
    await clock.advance(1)
    await vi.waitFor(() => expect(started).toEqual([0, 0, 1_000, 1_000]))
    await clock.advance(1_000)
    await vi.waitFor(() => expect(started).toEqual([0, 0, 1_000, 1_000, 2_000, 2_000]))
    // A claim per window plus the ones short claims and acknowledgements ask for: no spinning.
    expect(claims.mock.calls.length).toBeLessThanOrEqual(10)
  })

  it('holds a concurrency-limited type back and claims again when an acknowledgement frees a slot', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    const queue = queueWith(backend, clock, { mail: { concurrency: 1 } })
    const running: Array<{ id: string; done: () => void }> = []
    queue.process(
      'mail',
      async (job) => {
        const gate = deferred()
        running.push({ id: job.id, done: () => gate.resolve() })
        await gate.promise
      },
      { concurrency: 3, pollIntervalMs: HOUR_MS },
    )
    const events = recordEvents(queue, ['job:completed'])
    await queue.enqueueMany([
      { type: 'mail', data: 1 },
      { type: 'mail', data: 2 },
    ])
    await queue.startup()
    await vi.waitFor(() => expect(running).toHaveLength(1))
    expect(queue.getConcurrency().inUse).toBe(1)
    running[0]?.done()
    // No time passes: the written acknowledgement claims again.
    await vi.waitFor(() => expect(running).toHaveLength(2))
    expect(events.of('job:completed')).toHaveLength(1)
    running[1]?.done()
  })

  it('stores the limit key and holds each key to its own concurrency', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    const queue = queueWith(backend, clock, { sync: { perKey: { concurrency: 1 } } })
    const running: string[] = []
    const release = deferred()
    queue.process(
      'sync',
      async (job) => {
        running.push(job.limitKey as string)
        await release.promise
      },
      { concurrency: 5, pollIntervalMs: HOUR_MS },
    )
    for (const tenant of ['t1', 't1', 't2', 't1', 't3'])
      await queue.enqueue('sync', {}, { limitKey: `tenant:${tenant}` })
    await queue.startup()
    await vi.waitFor(() => expect(running.sort()).toEqual(['tenant:t1', 'tenant:t2', 'tenant:t3']))
    release.resolve()
  })

  it('refuses claimOrEnqueue for a limited type, which would run outside the limits', async () => {
    const backend = new MemoryBackend()
    const queue = queueWith(backend, new TestClock(), { mail: { concurrency: 2 } })
    const refused = await queue.claimOrEnqueue('mail', {}, { dedupeKey: 'k' }).catch((error) => error)
    expect(NotSupportedError.isInstance(refused)).toBe(true)
    expect((refused as Error).message).toContain('of type "mail" inline: the type has fleet-wide limits')
    expect((await backend.listJobs({ limit: 10 })).jobs).toEqual([])
    const handle = await queue.claimOrEnqueue('other', {}, { dedupeKey: 'k' })
    expect(handle?.job.type).toBe('other')
    await handle?.complete()
  })

  it('validates limitsFor and its answers, leaving a type with bad limits unclaimed', async () => {
    expect(() => new JobQueue(new MemoryBackend(), { limitsFor: 'none' as never })).toThrow(
      'options.limitsFor must be a function, got "none"',
    )
    const backend = new MemoryBackend()
    const clock = new TestClock()
    const queue = queueWith(backend, clock, { mail: { concurrency: 0 } })
    const errors = recordEvents(queue, ['queue:error'])
    const ran: string[] = []
    queue.process('mail', (job) => void ran.push(job.id), { pollIntervalMs: HOUR_MS })
    await queue.enqueue('mail', {})
    await queue.startup()
    await vi.waitFor(() => expect(errors.of('queue:error').length).toBeGreaterThan(0))
    const error = errors.of('queue:error')[0]?.error
    expect(ValidationError.isInstance(error)).toBe(true)
    expect(error?.message).toBe(
      'options.limitsFor("mail").concurrency must be an integer from 1 to 100000, got 0',
    )
    expect(errors.of('queue:error')[0]?.operation).toBe('limitsFor')
    expect(ran).toEqual([])
  })
})
