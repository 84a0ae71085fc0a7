import { type Job, JobQueue, NotSupportedError, type TypeControl } from '@durabl/core'
import { DummyBackend, MemoryBackend, TestClock, withoutPush } from '@durabl/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { advanceUntil, deferred, recordEvents } from './helpers.js'

describe('pausing job types (runtime)', () => {
  const queues: JobQueue[] = []
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((queue) => queue.shutdown(0)))
  })

  function queueOn(backend: MemoryBackend | DummyBackend, clock: TestClock, workerId: string): JobQueue {
    const queue = new JobQueue(backend, { clock, workerId })
    queues.push(queue)
    return queue
  }

  it('needs a backend that stores controls (NotSupportedError)', async () => {
    const queue = queueOn(new DummyBackend(), new TestClock(), 'dummy')
    const error = await queue.pause('email').catch((thrown: unknown) => thrown)
    expect(NotSupportedError.isInstance(error)).toBe(true)
    expect((error as Error).message).toMatch(/does not store type controls/)
    expect(queue.localTypeControls()).toEqual([])
    expect((await queue.getStats()).allPaused).toBe(false)
  })

  it('a type with no control costs no backend call per claim: reads at startup, then one per poll', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    const reads = vi.spyOn(backend.controls, 'listTypeControls')
    const queue = queueOn(backend, clock, 'worker')
    const done: string[] = []
    queue.process('work', (job) => void done.push(job.id), { concurrency: 5 })
    await queue.startup()
    await advanceUntil(clock, () => reads.mock.calls.length === 2, { stepMs: 0, maxSteps: 50 })
    // The first read, and the catch-up read when push connected (a change made between the two
    // would have been announced to nobody).
    expect(reads).toHaveBeenCalledTimes(2)
    const claims = vi.spyOn(backend, 'claimJobs')
    await queue.enqueueMany(Array.from({ length: 50 }, () => ({ type: 'work', data: {} })))
    await advanceUntil(clock, () => done.length === 50, { stepMs: 0, maxSteps: 500 })
    expect(claims.mock.calls.length).toBeGreaterThan(1)
    expect(reads).toHaveBeenCalledTimes(2)
    // With push live the poll (and the controls read with it) is once a minute.
    await clock.advance(60_000)
    expect(reads).toHaveBeenCalledTimes(3)
  })

  it('gives back unstarted the jobs of a claim that was in flight when their type was paused', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    const gate = deferred()
    const claimJobs = backend.claimJobs.bind(backend)
    let gated = false
    vi.spyOn(backend, 'claimJobs').mockImplementation(async (params) => {
      const jobs = await claimJobs(params)
      if (jobs.length > 0 && !gated) {
        gated = true
        await gate.promise
      }
      return jobs
    })
    const worker = queueOn(backend, clock, 'worker')
    const started: Job[] = []
    worker.process('email', (job) => void started.push(job))
    const events = recordEvents(worker, ['job:released', 'queue:paused'])
    await worker.startup()
    const id = (await worker.enqueue('email', {})) as string
    await advanceUntil(clock, () => gated, { stepMs: 0, maxSteps: 50, what: 'the claim to hold the job' })
    await worker.pause('email')
    gate.resolve()
    await advanceUntil(clock, () => events.of('job:released').length === 1, { stepMs: 0, maxSteps: 50 })
    expect(started).toEqual([])
    expect(events.of('queue:paused')).toEqual([{ type: 'email' }])
    expect(await backend.getJob({ id })).toMatchObject({ state: 'pending', attempts: 0, leaseToken: null })
  })

  it('holds every type while the first read of the controls fails, reports it, and claims once a read lands', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    const listTypeControls = backend.controls.listTypeControls.bind(backend.controls)
    let failures = 1
    vi.spyOn(backend.controls, 'listTypeControls').mockImplementation(
      async (params): Promise<TypeControl[]> => {
        if (failures-- > 0) throw new Error('controls unreadable')
        return listTypeControls(params)
      },
    )
    const worker = new JobQueue(withoutPush(backend), { clock, workerId: 'worker' })
    queues.push(worker)
    const started: string[] = []
    worker.process('email', (job) => void started.push(job.id), { pollIntervalMs: 1_000 })
    const events = recordEvents(worker, ['queue:error'])
    const claims = vi.spyOn(backend, 'claimJobs')
    await backend.enqueueJobs({ jobs: [{ ...pendingJob('email'), runAt: clock.now() }], now: clock.now() })
    await worker.startup()
    expect(events.of('queue:error').map((event) => event.operation)).toEqual(['controls.read'])
    // Up to just before the next poll (1 s): nothing is claimed before the controls are known.
    for (let step = 0; step < 9; step++) await clock.advance(100)
    expect(claims).not.toHaveBeenCalled()
    expect(started).toEqual([])
    await advanceUntil(clock, () => started.length === 1, { stepMs: 100, maxSteps: 20 })
  })
})

function pendingJob(type: string) {
  return {
    type,
    data: {},
    priority: 0,
    runAt: new Date(0),
    maxAttempts: 3,
    backoff: { type: 'fixed' as const, delayMs: 1_000 },
    timeoutMs: null,
    dedupeKey: null,
    dedupeScope: null,
    metadata: {},
  }
}
