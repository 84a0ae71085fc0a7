import { JobQueue } from '@durabl/core'
import { MemoryBackend, TestClock } from '@durabl/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { advanceUntil, recordEvents } from './helpers.js'

describe('lease recovery and acknowledgement retries', () => {
  let queue: JobQueue
  afterEach(async () => {
    await queue.shutdown(0)
  })

  it('recovers a job whose worker died and runs it, emitting stale:recovered', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    await backend.enqueueJobs({
      jobs: [
        {
          type: 'orphan',
          data: null,
          priority: 0,
          runAt: clock.now(),
          maxAttempts: 3,
          backoff: { type: 'fixed', delayMs: 0 },
          timeoutMs: null,
          dedupeKey: null,
          dedupeScope: null,
          metadata: {},
        },
      ],
      now: clock.now(),
    })
    // A worker that claims and then dies.
    const [claimed] = await backend.claimJobs({
      types: [{ type: 'orphan', limit: 1, leaseMs: 5_000 }],
      limit: 1,
      workerId: 'dead-worker',
      now: clock.now(),
    })
    queue = new JobQueue(backend, { clock, recoverIntervalMs: 1_000 })
    const ran: number[] = []
    queue.process('orphan', async (job) => void ran.push(job.attempts))
    const events = recordEvents(queue, ['stale:recovered'])
    await queue.startup()
    await advanceUntil(clock, () => ran.length === 1, { stepMs: 500 })
    expect(events.of('stale:recovered')).toEqual([{ recovered: 1, failed: 0, cancelled: 0 }])
    expect(ran).toEqual([2])
    const job = await backend.getJob({ id: claimed!.id })
    expect(job?.errors[0]?.code).toBe('LEASE_EXPIRED')
  })

  it('retries an acknowledgement that failed instead of dropping the outcome', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    const completeJobs = backend.completeJobs.bind(backend)
    let failuresLeft = 2
    backend.completeJobs = async (params) => {
      if (failuresLeft-- > 0) throw new Error('primary stepped down')
      return completeJobs(params)
    }
    queue = new JobQueue(backend, { clock })
    queue.process('work', async () => 'ok')
    const events = recordEvents(queue, ['queue:error', 'job:completed'])
    await queue.startup()
    const id = (await queue.enqueue('work', {}))!
    await advanceUntil(clock, () => events.of('job:completed').length === 1, { stepMs: 50 })
    expect((await backend.getJob({ id }))?.state).toBe('completed')
    expect(events.of('queue:error').map((event) => event.operation)).toEqual([
      'acknowledgeJobs',
      'acknowledgeJobs',
    ])
  })

  it('writes acknowledgements of one tick in one batch', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    const completeJobs = backend.completeJobs.bind(backend)
    const batchSizes: number[] = []
    backend.completeJobs = async (params) => {
      batchSizes.push(params.jobs.length)
      return completeJobs(params)
    }
    queue = new JobQueue(backend, { clock })
    queue.process('work', async () => 'ok', { concurrency: 10 })
    await queue.enqueueMany(Array.from({ length: 10 }, () => ({ type: 'work', data: null })))
    await queue.startup()
    await advanceUntil(clock, async () => (await queue.getStats()).total.completed === 10)
    expect(batchSizes).toEqual([10])
  })
})
