import type { InlineRunner, Job, NewJob } from '@durabl/core'
import { describe, expect, it } from 'vitest'
import { ImmediateBackend } from './immediate-backend.js'

const now = new Date('2040-01-01T00:00:00.000Z')

function newJob(overrides: Partial<NewJob> = {}): NewJob {
  return {
    type: 'resize',
    data: { image: 'a.png' },
    priority: 0,
    runAt: new Date(now.getTime() + 60_000),
    maxAttempts: 3,
    backoff: { type: 'fixed', delayMs: 60_000 },
    timeoutMs: null,
    dedupeKey: null,
    dedupeScope: null,
    metadata: {},
    ...overrides,
  }
}

/** A runner standing in for the JobQueue's: decides each attempt's outcome and acknowledges it. */
function scriptedRunner(backend: ImmediateBackend, outcomes: Array<'complete' | 'fail' | 'release'>) {
  const seen: Job[] = []
  const runner: InlineRunner = async (job) => {
    seen.push(job)
    const lease = {
      id: job.id,
      leaseToken: job.leaseToken as string,
      dedupeKey: job.dedupeKey,
      dedupeScope: job.dedupeScope,
    }
    const outcome = outcomes.shift() ?? 'complete'
    if (outcome === 'complete') await backend.completeJobs({ jobs: [{ ...lease, result: 'done' }], now })
    if (outcome === 'release') await backend.releaseJobs({ jobs: [lease], now })
    if (outcome === 'fail') {
      const error = {
        attempt: job.attempts,
        name: 'Error',
        message: 'boom',
        code: null,
        stack: null,
        fatal: false,
        at: now,
      }
      await backend.failJobs({
        jobs: [
          {
            ...lease,
            error,
            retryAt: job.attempts >= job.maxAttempts ? null : new Date(now.getTime() + 60_000),
          },
        ],
        now,
      })
    }
  }
  return { runner, seen }
}

describe('ImmediateBackend', () => {
  it('runs each job as it is enqueued, ignoring its delay, before enqueue resolves', async () => {
    const backend = new ImmediateBackend()
    const { runner, seen } = scriptedRunner(backend, [])
    backend.attachRunner(runner)
    const [id] = await backend.enqueueJobs({ jobs: [newJob()], now })
    expect(seen.map((job) => job.id)).toEqual([id])
    expect(backend.jobs[0]).toMatchObject({ state: 'completed', result: 'done', attempts: 1 })
    expect(backend.capabilities.inline).toBe(true)
  })

  it('runs a failed job again at once until it completes or fails for good', async () => {
    const backend = new ImmediateBackend()
    const { runner, seen } = scriptedRunner(backend, ['fail', 'complete', 'fail', 'fail', 'fail'])
    backend.attachRunner(runner)
    await backend.enqueueJobs({ jobs: [newJob()], now })
    expect(seen.map((job) => job.attempts)).toEqual([1, 2])
    expect(backend.jobs[0]).toMatchObject({ state: 'completed', attempts: 2 })
    await backend.enqueueJobs({ jobs: [newJob()], now })
    expect(backend.jobs[1]).toMatchObject({ state: 'failed', attempts: 3 })
  })

  it('leaves a released job pending and jobs enqueued without a runner pending', async () => {
    const backend = new ImmediateBackend()
    await backend.enqueueJobs({ jobs: [newJob()], now })
    expect(backend.jobs[0]?.state).toBe('pending')
    const { runner, seen } = scriptedRunner(backend, ['release'])
    backend.attachRunner(runner)
    await backend.enqueueJobs({ jobs: [newJob()], now })
    expect(seen).toHaveLength(1)
    expect(backend.jobs[1]).toMatchObject({ state: 'pending', attempts: 0 })
  })

  it('does not run a duplicate', async () => {
    const backend = new ImmediateBackend()
    const { runner, seen } = scriptedRunner(backend, ['release'])
    backend.attachRunner(runner)
    const keyed = newJob({ dedupeKey: 'k', dedupeScope: 'pending+active' })
    expect(await backend.enqueueJobs({ jobs: [keyed, keyed], now })).toEqual([expect.any(String), null])
    expect(seen).toHaveLength(1)
  })
})
