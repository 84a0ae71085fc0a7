import { JobQueue, LeaseLostError, ValidationError } from '@durabl/core'
import { MemoryBackend, TestClock } from '@durabl/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { recordEvents } from './helpers.js'

describe('claimOrEnqueue', () => {
  let queue: JobQueue
  afterEach(async () => {
    await queue.shutdown(0)
  })

  it('claims, queues one behind the active run, then reports duplicates', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    queue = new JobQueue(backend, { clock })
    await queue.startup()
    const events = recordEvents(queue, ['job:enqueued', 'job:active', 'job:completed', 'job:duplicate'])
    const options = { dedupeKey: 'reschedule:u1', dedupeScope: 'pending' as const }

    const handle = await queue.claimOrEnqueue('reschedule', { userId: 'u1' }, options)
    expect(handle?.job.state).toBe('active')
    expect(await queue.claimOrEnqueue('reschedule', { userId: 'u1' }, options)).toBeNull()
    expect(await queue.claimOrEnqueue('reschedule', { userId: 'u1' }, options)).toBeNull()
    expect(events.of('job:enqueued')).toHaveLength(2)
    expect(events.of('job:duplicate')).toHaveLength(1)
    expect(events.of('job:active')).toHaveLength(1)

    // The handle is heartbeated while the caller works.
    const heartbeat = vi.spyOn(backend, 'heartbeatJobs')
    handle!.progress({ percent: 50 })
    handle!.log('halfway')
    await clock.advance(30_000)
    expect(heartbeat).toHaveBeenCalled()
    expect(handle!.signal.aborted).toBe(false)

    await handle!.complete({ rescheduled: 3 })
    await handle!.fail('ignored: the first outcome won')
    const job = await backend.getJob({ id: handle!.job.id })
    expect(job?.state).toBe('completed')
    expect(job?.result).toEqual({ rescheduled: 3 })
    expect(job?.progress).toEqual({ percent: 50 })
    expect(job?.logs.map((entry) => entry.message)).toEqual(['halfway'])
    expect(events.of('job:completed')).toHaveLength(1)
  })

  it('requires a dedupeKey', async () => {
    queue = new JobQueue(new MemoryBackend())
    await expect(queue.claimOrEnqueue('t', {}, {} as never)).rejects.toSatisfy(ValidationError.isInstance)
  })

  it('rejects the outcome with LeaseLostError when the lease was lost', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    queue = new JobQueue(backend, { clock })
    await queue.startup()
    const handle = (await queue.claimOrEnqueue('t', {}, { dedupeKey: 'k' }))!
    await backend.recoverExpiredLeases({
      now: new Date(clock.now().getTime() + 120_000),
      error: {
        name: 'LeaseExpiredError',
        message: 'expired',
        code: 'LEASE_EXPIRED',
        stack: null,
        fatal: false,
        at: clock.now(),
      },
    })
    await expect(handle.complete()).rejects.toSatisfy(LeaseLostError.isInstance)
    expect(LeaseLostError.isInstance(handle.signal.reason)).toBe(true)
    await expect(handle.heartbeat()).rejects.toSatisfy(LeaseLostError.isInstance)
  })
})
