import { describe, expect, it } from 'vitest'
import type { JobQueueEvents } from '../events.js'
import { JobQueue } from '../runtime/job-queue.js'
import { flushTurns, ManualClock } from '../runtime/test-support/manual-clock.js'
import { activeJob, createStubBackend } from '../runtime/test-support/stub-backend.js'

describe('secrets in handler errors and log lines', () => {
  it('are redacted before the failure is stored and before job:failed is emitted', async () => {
    const backend = createStubBackend()
    backend.claimJobs.mockResolvedValueOnce([activeJob({ type: 'sync' })])
    const queue = new JobQueue(backend, { clock: new ManualClock(), redact: { patterns: [/acct-\d+/] } })
    const failed: Array<JobQueueEvents['job:failed']> = []
    queue.on('job:failed', (payload) => failed.push(payload))
    queue.process('sync', async (_job, ctx) => {
      ctx.log('dialing postgres://app:s3cret@pg/db for acct-1234')
      throw new Error('connect failed: mongodb://admin:hunter2@db.internal/app?token=t0k')
    })
    await queue.startup()
    await flushTurns(8)

    const written = backend.failJobs.mock.calls[0]?.[0].jobs[0]
    expect(written?.error.message).toBe('connect failed: mongodb://***@db.internal/app?token=***')
    expect(written?.error.stack).toContain('connect failed: mongodb://***@db.internal/app?token=***')
    expect(written?.logs?.map((entry) => entry.message)).toEqual(['dialing postgres://***@pg/db for ***'])
    const stored = JSON.stringify(backend.failJobs.mock.calls)
    for (const secret of ['hunter2', 's3cret', 't0k', 'acct-1234']) expect(stored).not.toContain(secret)
    expect(failed[0]?.error.message).toBe(written?.error.message)
    await queue.shutdown(0)
  })

  it('are redacted from ctx.fail() reasons given as strings', async () => {
    const backend = createStubBackend()
    backend.claimJobs.mockResolvedValueOnce([activeJob({ type: 'sync' })])
    const queue = new JobQueue(backend, { clock: new ManualClock() })
    queue.process('sync', async (_job, ctx) => {
      await ctx.failFatal('upstream said 401 for https://api.example.com/v1?api_key=k-99')
    })
    await queue.startup()
    await flushTurns(8)
    expect(backend.failJobs.mock.calls[0]?.[0].jobs[0]?.error).toMatchObject({
      message: 'upstream said 401 for https://api.example.com/v1?api_key=***',
      fatal: true,
    })
    await queue.shutdown(0)
  })
})
