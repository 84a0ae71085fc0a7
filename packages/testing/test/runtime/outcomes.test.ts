import { JobQueue, JobTimeoutError, LeaseLostError, UnrecoverableError } from '@durabl/core'
import { MemoryBackend, TestClock } from '@durabl/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { aborted, advanceUntil, deferred, recordEvents } from './helpers.js'

describe('attempt outcomes', () => {
  let queue: JobQueue
  let backend: MemoryBackend
  let clock: TestClock

  function setUp() {
    backend = new MemoryBackend()
    clock = new TestClock()
    queue = new JobQueue(backend, { clock, workerId: 'outcomes' })
  }

  afterEach(async () => {
    await queue.shutdown(0)
  })

  async function stateOf(id: string) {
    return (await backend.getJob({ id }))?.state
  }

  it('retries a handler that throws twice, then completes it on the third attempt', async () => {
    setUp()
    let calls = 0
    queue.process('flaky', async () => {
      calls++
      if (calls < 3) throw new Error(`failure ${calls}`)
      return 'done'
    })
    const events = recordEvents(queue, ['job:failed', 'job:completed'])
    await queue.startup()
    const id = (await queue.enqueue('flaky', {}, { backoff: { type: 'fixed', delayMs: 1_000 } }))!
    await advanceUntil(clock, async () => (await stateOf(id)) === 'completed', {
      what: 'the job to complete',
    })
    const job = await backend.getJob({ id })
    expect(job?.attempts).toBe(3)
    expect(job?.result).toBe('done')
    expect(job?.errors.map((error) => error.message)).toEqual(['failure 1', 'failure 2'])
    const failed = events.of('job:failed')
    expect(failed.map((event) => event.willRetry)).toEqual([true, true])
    expect(failed[0]?.retryAt?.getTime()).toBe(failed[0]!.job.startedAt!.getTime() + 1_000)
    expect(events.of('job:completed')).toHaveLength(1)
  })

  it('retries "effectively never" at the latest Date, and the acks batched with it still land', async () => {
    setUp()
    // A backoff of MAX_SAFE_INTEGER ms would be an Invalid Date; the backend would refuse the write
    // and the acknowledgement batch carrying it would be retried forever.
    queue.process(
      'never-again',
      async () => {
        throw new Error('not now')
      },
      { backoff: () => Number.MAX_SAFE_INTEGER },
    )
    queue.process('fine', async () => 'ok')
    await queue.startup()
    const never = (await queue.enqueue('never-again', {}))!
    const fine = (await queue.enqueue('fine', {}))!
    await advanceUntil(
      clock,
      async () => (await stateOf(never)) === 'pending' && (await stateOf(fine)) === 'completed',
      { what: 'the failure and the completion to be written' },
    )
    expect((await backend.getJob({ id: never }))?.runAt.getTime()).toBe(8_640_000_000_000_000)
  })

  it('fails a job for good once maxAttempts is used', async () => {
    setUp()
    queue.process('always-fails', async () => {
      throw 'a string, not an Error'
    })
    const events = recordEvents(queue, ['job:failed'])
    await queue.startup()
    const id = (await queue.enqueue('always-fails', null, {
      maxAttempts: 2,
      backoff: { type: 'fixed', delayMs: 10 },
    }))!
    await advanceUntil(clock, async () => (await stateOf(id)) === 'failed', { stepMs: 10 })
    expect(events.of('job:failed').map((event) => [event.willRetry, event.retryAt === null])).toEqual([
      [true, false],
      [false, true],
    ])
    expect((await backend.getJob({ id }))?.lastError?.message).toBe('a string, not an Error')
  })

  it('fails at once on UnrecoverableError and on ctx.failFatal, whatever attempts remain', async () => {
    setUp()
    queue.process('bad-input', async () => {
      throw new UnrecoverableError('no such user')
    })
    queue.process('fatal', async (_job, ctx) => {
      await ctx.failFatal('gave up')
      // Later outcome calls are no-ops: the first one decided.
      await ctx.complete('ignored')
    })
    await queue.startup()
    const first = (await queue.enqueue('bad-input', {}, { maxAttempts: 5 }))!
    const second = (await queue.enqueue('fatal', {}, { maxAttempts: 5 }))!
    await advanceUntil(
      clock,
      async () => (await stateOf(first)) === 'failed' && (await stateOf(second)) === 'failed',
    )
    for (const id of [first, second]) {
      const job = await backend.getJob({ id })
      expect(job?.attempts).toBe(1)
      expect(job?.lastError?.fatal).toBe(true)
    }
    expect((await backend.getJob({ id: first }))?.lastError?.code).toBe('UNRECOVERABLE')
  })

  it('aborts the signal with JobTimeoutError when timeoutMs passes, and retries the attempt', async () => {
    setUp()
    const reasons: unknown[] = []
    queue.process('slow', async (job, ctx) => {
      if (job.attempts === 1) {
        reasons.push(await aborted(ctx.signal))
        return 'too late'
      }
      return 'in time'
    })
    const events = recordEvents(queue, ['job:failed'])
    await queue.startup()
    const id = (await queue.enqueue(
      'slow',
      {},
      { timeoutMs: 500, backoff: { type: 'fixed', delayMs: 100 } },
    ))!
    await advanceUntil(clock, async () => (await stateOf(id)) === 'completed', { stepMs: 50 })
    expect(JobTimeoutError.isInstance(reasons[0])).toBe(true)
    expect(events.of('job:failed')[0]?.willRetry).toBe(true)
    const job = await backend.getJob({ id })
    expect(job?.result).toBe('in time')
    expect(job?.errors[0]?.code).toBe('JOB_TIMEOUT')
  })

  it('aborts with LeaseLostError when a heartbeat finds the lease gone, and drops the outcome', async () => {
    setUp()
    const started = deferred()
    let reason: unknown
    queue.process(
      'long',
      async (_job, ctx) => {
        started.resolve()
        reason = await aborted(ctx.signal)
        return 'finished anyway'
      },
      { leaseMs: 3_000, heartbeatMs: 1_000 },
    )
    const events = recordEvents(queue, ['lease:lost', 'job:completed'])
    await queue.startup()
    const id = (await queue.enqueue('long', {}))!
    await started.promise
    // Another worker's recovery, run as if far in the future, takes the lease away.
    await backend.recoverExpiredLeases({
      now: new Date(clock.now().getTime() + 60_000),
      error: {
        name: 'LeaseExpiredError',
        message: 'expired',
        code: 'LEASE_EXPIRED',
        stack: null,
        fatal: false,
        at: clock.now(),
      },
    })
    await advanceUntil(clock, () => events.of('lease:lost').length > 0, { stepMs: 500 })
    expect(LeaseLostError.isInstance(reason)).toBe(true)
    expect(events.of('job:completed')).toHaveLength(0)
    const job = await backend.getJob({ id })
    expect(job?.state).not.toBe('completed')
    expect(job?.result).toBeNull()
  })

  it('treats the lease as lost locally when heartbeats keep failing past the lease deadline', async () => {
    setUp()
    const started = deferred()
    let reason: unknown
    queue.process(
      'stranded',
      async (_job, ctx) => {
        started.resolve()
        reason = await aborted(ctx.signal)
      },
      { leaseMs: 3_000, heartbeatMs: 1_000 },
    )
    const errors = recordEvents(queue, ['queue:error', 'lease:lost'])
    await queue.startup()
    await queue.enqueue('stranded', {})
    await started.promise
    backend.heartbeatJobs = async () => {
      throw new Error('database unreachable')
    }
    await advanceUntil(clock, () => errors.of('lease:lost').length > 0, { stepMs: 250 })
    expect(LeaseLostError.isInstance(reason)).toBe(true)
    expect(errors.of('queue:error').some((event) => event.operation === 'heartbeatJobs')).toBe(true)
  })
})
