import { type AttemptOutcome, JobCancelledError, JobQueue } from '@durabl/core'
import { MemoryBackend, TestClock, withoutPush } from '@durabl/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { aborted, advanceUntil, deferred, recordEvents } from './helpers.js'

/** A lease of 30 s heartbeats every 10 s (a third of the lease). */
const HEARTBEAT_MS = 10_000

describe('cancelling a running job', () => {
  let queue: JobQueue
  let backend: MemoryBackend
  let clock: TestClock

  /**
   * Without push (`push: false`) the queue hears of a cancel made elsewhere only at its next
   * heartbeat; with push, at once (see cancel-push.test.ts).
   */
  function setUp(options: { push?: boolean } = {}) {
    backend = new MemoryBackend()
    clock = new TestClock()
    queue = new JobQueue(options.push === false ? withoutPush(backend) : backend, {
      clock,
      workerId: 'runner',
    })
  }

  afterEach(async () => {
    await queue.shutdown(0)
  })

  /** Starts the queue, enqueues one `work` job and waits until the handler runs it. */
  async function startOne(started: Promise<void>): Promise<string> {
    await queue.startup()
    const id = (await queue.enqueue('work', {}, { maxAttempts: 5 })) as string
    await started
    return id
  }

  it('cancelJob on the queue that runs the job aborts the handler at once; a throw still ends it cancelled', async () => {
    setUp()
    const started = deferred()
    const reasons: unknown[] = []
    queue.process('work', async (_job, ctx) => {
      started.resolve()
      reasons.push(await aborted(ctx.signal))
      throw new Error('interrupted')
    })
    const events = recordEvents(queue, ['job:cancelled', 'job:failed', 'job:completed'])
    const outcomes: AttemptOutcome[] = []
    queue.use({
      name: 'watch',
      process: async (_info, next) => {
        const outcome = await next()
        outcomes.push(outcome)
        return outcome
      },
    })
    const id = await startOne(started.promise)

    expect(await queue.cancelJob(id)).toBe(true)
    await advanceUntil(clock, () => events.of('job:cancelled').length === 1, { stepMs: 0, maxSteps: 50 })
    expect(JobCancelledError.isInstance(reasons[0])).toBe(true)
    expect(events.of('job:failed')).toEqual([])
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['cancelled'])
    const job = await backend.getJob({ id })
    expect(job).toMatchObject({ state: 'cancelled', attempts: 1 })
    expect(job?.lastError).toMatchObject({ name: 'JobCancelledError', code: 'JOB_CANCELLED', fatal: true })
    expect(await queue.cancelJob(id)).toBe(false)
  })

  it('without push, a cancel from elsewhere reaches the handler at its next heartbeat, and ctx.heartbeat() rejects', async () => {
    setUp({ push: false })
    const started = deferred()
    const beat = deferred<unknown>()
    queue.process('work', async (_job, ctx) => {
      started.resolve()
      ctx.log('before the cancel')
      await aborted(ctx.signal)
      beat.resolve(await ctx.heartbeat().catch((error: unknown) => error))
      return 'ignored'
    })
    const events = recordEvents(queue, ['job:cancelled', 'job:completed'])
    const id = await startOne(started.promise)
    await backend.cancelJobs({ ids: [id], now: clock.now() })
    await clock.advance(HEARTBEAT_MS - 1)
    expect(events.of('job:cancelled')).toEqual([])
    await advanceUntil(clock, () => events.of('job:cancelled').length === 1, { stepMs: 1 })
    expect(JobCancelledError.isInstance(await beat.promise)).toBe(true)
    expect(events.of('job:completed')).toEqual([])
    const job = await backend.getJob({ id })
    expect(job).toMatchObject({ state: 'cancelled', result: null })
    // The heartbeat that learned of the cancel wrote nothing; its log line went with the cancel.
    expect(job?.logs.map((line) => line.message)).toEqual(['before the cancel'])
  })

  it('a failure after a cancel it has not heard of yet ends the job cancelled, not back to pending', async () => {
    setUp({ push: false })
    const started = deferred()
    const fail = deferred()
    queue.process('work', async (_job, ctx) => {
      started.resolve()
      await fail.promise
      ctx.progress({ step: 2 })
      throw new Error('broke after the cancel')
    })
    const events = recordEvents(queue, ['job:cancelled', 'job:failed'])
    const id = await startOne(started.promise)
    await backend.cancelJobs({ ids: [id], now: clock.now() })
    fail.resolve()
    await advanceUntil(clock, () => events.of('job:cancelled').length === 1, { stepMs: 0, maxSteps: 50 })
    expect(events.of('job:failed')).toEqual([])
    const job = await backend.getJob({ id })
    expect(job).toMatchObject({ state: 'cancelled', attempts: 1, progress: { step: 2 } })
    // The attempt's own error is recorded, final.
    expect(job?.lastError).toMatchObject({ message: 'broke after the cancel', fatal: true })
    await clock.advance(60_000)
    expect((await backend.getJob({ id }))?.state).toBe('cancelled')
  })

  it('a shutdown release of a job whose cancel was requested ends it cancelled', async () => {
    setUp()
    const started = deferred()
    queue.process('work', async (_job, ctx) => {
      started.resolve()
      await aborted(ctx.signal)
    })
    const events = recordEvents(queue, ['job:cancelled', 'job:released'])
    const id = await startOne(started.promise)
    await backend.cancelJobs({ ids: [id], now: clock.now() })
    const stopping = queue.shutdown(0)
    await advanceUntil(clock, () => queue.state === 'stopped', { stepMs: 250 })
    await stopping
    expect(events.of('job:released')).toEqual([])
    expect(events.of('job:cancelled')).toHaveLength(1)
    expect((await backend.getJob({ id }))?.state).toBe('cancelled')
  })

  it('a completion decided before the cancel arrived stands', async () => {
    setUp({ push: false })
    const started = deferred()
    const finish = deferred()
    queue.process('work', async (_job, ctx) => {
      started.resolve()
      await finish.promise
      await ctx.complete('done first')
    })
    const events = recordEvents(queue, ['job:cancelled', 'job:completed'])
    const id = await startOne(started.promise)
    await backend.cancelJobs({ ids: [id], now: clock.now() })
    finish.resolve()
    await advanceUntil(clock, () => events.of('job:completed').length === 1, { stepMs: 0, maxSteps: 50 })
    expect(events.of('job:cancelled')).toEqual([])
    expect(await backend.getJob({ id })).toMatchObject({ state: 'completed', result: 'done first' })
  })
})
