import { JobQueue, QueueStateError, ShutdownError } from '@durabl/core'
import { MemoryBackend, TestClock } from '@durabl/testing'
import { describe, expect, it, vi } from 'vitest'
import { aborted, advanceUntil, deferred, recordEvents } from './helpers.js'

describe('graceful shutdown', () => {
  it('leaves no job active and loses none: unfinished jobs are released and finished by another queue', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    const first = new JobQueue(backend, { clock, workerId: 'first', instanceConcurrency: 4 })
    const completedBy = new Map<string, string>()
    const reasons: unknown[] = []
    const fourStarted = deferred()
    let started = 0
    first.process(
      'work',
      async (job, ctx) => {
        started++
        if (started === 4) fourStarted.resolve()
        // Two of the running jobs finish within the grace period; the others ignore time.
        if ((job.data as { quick: boolean }).quick) {
          completedBy.set(job.id, 'first')
          return
        }
        reasons.push(await aborted(ctx.signal))
      },
      { concurrency: 4 },
    )
    const events = recordEvents(first, ['job:released', 'job:completed'])
    await first.startup()
    const ids = (await first.enqueueMany(
      Array.from({ length: 10 }, (_, index) => ({ type: 'work', data: { quick: index % 5 === 0 } })),
    )) as string[]
    await fourStarted.promise

    const stopping = first.shutdown(1_000)
    await advanceUntil(clock, () => first.state === 'stopped', { stepMs: 250, what: 'shutdown to finish' })
    await stopping
    expect(reasons.every((reason) => ShutdownError.isInstance(reason))).toBe(true)
    expect(events.of('job:released').length).toBeGreaterThan(0)

    const afterFirst = await backend.getStats({ now: clock.now() })
    expect(afterFirst.total.active).toBe(0)
    expect(afterFirst.total.completed + afterFirst.total.pending).toBe(10)
    // Released attempts do not count: nobody finished them.
    for (const released of events.of('job:released')) {
      expect((await backend.getJob({ id: released.job.id }))?.attempts).toBe(released.job.attempts - 1)
    }

    const second = new JobQueue(backend, { clock, workerId: 'second' })
    second.process(
      'work',
      async (job) => {
        completedBy.set(job.id, 'second')
      },
      { concurrency: 4 },
    )
    await second.startup()
    await advanceUntil(
      clock,
      async () => (await backend.getStats({ now: clock.now() })).total.completed === 10,
    )
    expect(new Set(completedBy.keys())).toEqual(new Set(ids))
    await second.shutdown(0)
  })

  it('is idempotent, and rejects enqueue and process afterwards', async () => {
    const backend = new MemoryBackend()
    const queue = new JobQueue(backend)
    queue.process('work', async () => {})
    await queue.startup()
    const shutdownSpy = vi.spyOn(backend, 'shutdown')
    const once = queue.shutdown()
    expect(queue.shutdown()).toBe(once)
    await once
    expect(shutdownSpy).toHaveBeenCalledTimes(1)
    await expect(queue.enqueue('work', {})).rejects.toSatisfy(QueueStateError.isInstance)
    expect(() => queue.process('other', async () => {})).toThrow(QueueStateError)
  })

  it('releases an open claimOrEnqueue handle at shutdown', async () => {
    const backend = new MemoryBackend()
    const queue = new JobQueue(backend)
    await queue.startup()
    const handle = await queue.claimOrEnqueue('sync', { userId: 'u1' }, { dedupeKey: 'sync:u1' })
    expect(handle).not.toBeNull()
    await queue.shutdown(0)
    expect(ShutdownError.isInstance(handle!.signal.reason)).toBe(true)
    const job = await backend.getJob({ id: handle!.job.id })
    expect(job?.state).toBe('pending')
    expect(job?.attempts).toBe(0)
  })
})
