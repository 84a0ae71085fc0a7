import { describe, expect, it } from 'vitest'
import { QueueStateError } from '../errors/queue-state-error.js'
import { ValidationError } from '../errors/validation-error.js'
import { JobQueue } from './job-queue.js'
import { flushTurns, ManualClock } from './test-support/manual-clock.js'
import { activeJob, createStubBackend } from './test-support/stub-backend.js'

describe('JobQueue', () => {
  it('validates its options at construction', () => {
    const backend = createStubBackend()
    expect(() => new JobQueue(backend, { instanceConcurrency: -1 })).toThrow(ValidationError)
    expect(() => new JobQueue({} as never)).toThrow('backend must implement the Backend contract')
  })

  it('uses a hostname:pid:random worker id by default', () => {
    const queue = new JobQueue(createStubBackend())
    expect(queue.workerId).toMatch(new RegExp(`^.+:${process.pid}:[0-9a-f]{8}$`))
  })

  it('starts no timer, claim or stream without processors', async () => {
    const backend = createStubBackend({ push: true })
    const clock = new ManualClock()
    const queue = new JobQueue(backend, { clock })
    await queue.startup()
    await queue.enqueue('produced', { a: 1 })
    await clock.advance(60_000)
    expect(backend.claimJobs).not.toHaveBeenCalled()
    expect(backend.recoverExpiredLeases).not.toHaveBeenCalled()
    expect(clock.pendingTimerCount).toBe(0)
    await queue.shutdown()
    expect(backend.shutdown).toHaveBeenCalledTimes(1)
  })

  it('starts recovery at once and claims when a processor is registered', async () => {
    const backend = createStubBackend()
    const clock = new ManualClock()
    const queue = new JobQueue(backend, { clock })
    await queue.startup()
    queue.process('late', async () => {})
    await flushTurns()
    expect(backend.recoverExpiredLeases).toHaveBeenCalledTimes(1)
    expect(backend.recoverExpiredLeases.mock.calls[0]?.[0]).toMatchObject({
      error: { name: 'LeaseExpiredError', code: 'LEASE_EXPIRED', fatal: false },
    })
    expect(backend.claimJobs).toHaveBeenCalledTimes(1)
    await queue.shutdown(0)
  })

  it('completes a job with the handler return value and emits job:completed after the write', async () => {
    const backend = createStubBackend()
    const clock = new ManualClock()
    const job = activeJob({ type: 'sum', data: { a: 2, b: 3 } })
    backend.claimJobs.mockResolvedValueOnce([job])
    const queue = new JobQueue(backend, { clock })
    const events: string[] = []
    queue.on('job:active', () => events.push('active'))
    queue.on('job:completed', ({ result }) => events.push(`completed:${String(result)}`))
    backend.completeJobs.mockImplementation(async (params) => {
      events.push('write')
      return { applied: params.jobs.map((entry) => entry.id), lost: [] }
    })
    queue.process<{ a: number; b: number }, number>('sum', async ({ data }) => data.a + data.b)
    await queue.startup()
    await flushTurns(6)
    expect(events).toEqual(['active', 'write', 'completed:5'])
    await queue.shutdown(0)
  })

  it('rejects duplicate processors and work after shutdown', async () => {
    const queue = new JobQueue(createStubBackend())
    queue.process('a', async () => {})
    expect(() => queue.process('a', async () => {})).toThrow(
      'type must not already have a processor in this queue',
    )
    await queue.shutdown(0)
    await expect(queue.enqueue('a', {})).rejects.toSatisfy(QueueStateError.isInstance)
    await expect(queue.startup()).rejects.toSatisfy(QueueStateError.isInstance)
  })
})

describe('JobQueue types', () => {
  it('accepts handlers that return nothing or the declared result', () => {
    const queue = new JobQueue(createStubBackend())
    queue.process<{ n: number }, number>('returns', async (job) => job.data.n)
    queue.process<{ n: number }, number>('completes', async (job, ctx) => {
      await ctx.complete(job.data.n)
    })
    queue.process('sync', () => {})
    expect(queue.state).toBe('created')
  })
})
