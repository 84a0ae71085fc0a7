import { JobQueue, NotSupportedError, PayloadError, ValidationError } from '@durabl/core'
import { MemoryBackend, TestClock } from '@durabl/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { recordEvents } from './helpers.js'

describe('producing jobs', () => {
  const queues: JobQueue[] = []
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((queue) => queue.shutdown(0)))
  })
  function create(backend = new MemoryBackend(), clock = new TestClock()) {
    const queue = new JobQueue(backend, { clock })
    queues.push(queue)
    return { queue, backend, clock }
  }

  it('returns null and emits job:duplicate when a dedupe key blocks the enqueue', async () => {
    const { queue } = create()
    const events = recordEvents(queue, ['job:enqueued', 'job:duplicate'])
    const first = await queue.enqueue('email', { to: 'a' }, { dedupeKey: 'email:a' })
    const second = await queue.enqueue('email', { to: 'a' }, { dedupeKey: 'email:a' })
    expect(first).toEqual(expect.any(String))
    expect(second).toBeNull()
    expect(events.of('job:enqueued').map((event) => event.id)).toEqual([first])
    expect(events.of('job:duplicate')).toEqual([{ type: 'email', dedupeKey: 'email:a' }])
  })

  it('never lets a dedupe key become a query operator', async () => {
    const { queue } = create()
    await expect(
      queue.enqueue('email', {}, { dedupeKey: { $ne: null } as unknown as string }),
    ).rejects.toThrow('options.dedupeKey must be a non-empty string, got an object')
  })

  it('enqueueMany validates every job before writing any', async () => {
    const { queue, backend, clock } = create()
    const spy = vi.spyOn(backend, 'enqueueJobs')
    const attempt = queue.enqueueMany([
      { type: 'ok', data: { a: 1 } },
      { type: 'ok', data: { callback: () => 1 } },
    ])
    await expect(attempt).rejects.toSatisfy(PayloadError.isInstance)
    await expect(attempt).rejects.toMatchObject({ path: 'jobs[1].data.callback' })
    await expect(
      queue.enqueueMany([{ type: 'ok', data: 1, options: { priorty: 1 } as never }]),
    ).rejects.toThrow('jobs[0].options.priorty is not a known option')
    expect(spy).not.toHaveBeenCalled()
    expect((await backend.getStats({ now: clock.now() })).total.pending).toBe(0)
    const ids = await queue.enqueueMany([
      { type: 'ok', data: 1 },
      { type: 'ok', data: 2, options: { priority: 3 } },
    ])
    expect(ids).toHaveLength(2)
    expect(spy).toHaveBeenCalledTimes(1)
  })

  it('rejects bad arguments with messages naming the field, rule and value', async () => {
    const { queue } = create()
    await expect(queue.enqueue('', {})).rejects.toThrow('type must be a non-empty string, got ""')
    await expect(queue.enqueue('t', {}, { priority: Number.NaN })).rejects.toThrow(
      'options.priority must be a finite integer, got NaN',
    )
    await expect(queue.enqueue('t', {}, { delayMs: 5, runAt: new Date() })).rejects.toSatisfy(
      ValidationError.isInstance,
    )
    await expect(queue.enqueue('t', {}, { backoff: (() => 5) as never })).rejects.toThrow(
      /functions can only be given to process\(\)/,
    )
    expect(() => queue.process('t', async () => {}, { leaseMs: 5_000, heartbeatMs: 5_000 })).toThrow(
      'config.heartbeatMs must be less than leaseMs (5000), got 5000',
    )
  })

  it('rejects a session on a backend without transactions', async () => {
    const backend = new MemoryBackend()
    Object.defineProperty(backend, 'capabilities', {
      value: { ...backend.capabilities, transactions: false },
    })
    const { queue } = create(backend)
    await expect(queue.enqueue('t', {}, { session: {} })).rejects.toSatisfy(NotSupportedError.isInstance)
  })

  it('runs enqueue hooks around the write, letting them add metadata', async () => {
    const { queue, backend } = create()
    queue.use({
      name: 'trace',
      async enqueue(info, next) {
        for (const job of info.jobs) job.metadata.traceparent = '00-abc-def-01'
        return next()
      },
    })
    const id = (await queue.enqueue('traced', {}, { metadata: { tenant: 't1' } }))!
    expect((await backend.getJob({ id }))?.metadata).toEqual({ tenant: 't1', traceparent: '00-abc-def-01' })
  })

  it('an enqueue hook that throws before next() rejects the enqueue and writes nothing', async () => {
    const { queue, backend, clock } = create()
    queue.use({
      name: 'broken',
      async enqueue() {
        throw new Error('hook bug')
      },
    })
    await expect(queue.enqueue('t', {})).rejects.toThrow('hook bug')
    expect((await backend.getStats({ now: clock.now() })).total.pending).toBe(0)
  })

  it('an enqueue hook that throws after next() is reported and the ids are still returned', async () => {
    const { queue } = create()
    const events = recordEvents(queue, ['queue:error'])
    queue.use({
      name: 'late',
      async enqueue(_info, next) {
        await next()
        throw new Error('after the write')
      },
    })
    await expect(queue.enqueue('t', {})).resolves.toEqual(expect.any(String))
    expect(events.of('queue:error').map((event) => event.operation)).toEqual(['hook:late:enqueue'])
  })
})
