import { JobQueue, MAXIMUMS, ValidationError } from '@durabl/core'
import { MemoryBackend, TestClock, withoutPush } from '@durabl/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { advanceUntil, deferred, recordEvents } from './helpers.js'

describe('ctx.snooze(delayMs)', () => {
  let queue: JobQueue
  let backend: MemoryBackend
  let clock: TestClock

  function setUp(options: { push?: boolean } = {}) {
    backend = new MemoryBackend()
    clock = new TestClock()
    queue = new JobQueue(options.push === false ? withoutPush(backend) : backend, {
      clock,
      workerId: 'snoozer',
    })
  }

  afterEach(async () => {
    await queue.shutdown(0)
  })

  it('runs the job again delayMs later without counting the snoozed attempts; snooze(0) is due at once', async () => {
    setUp()
    const seen: number[] = []
    queue.process('poll-upstream', async (job, ctx) => {
      seen.push(job.attempts)
      if (seen.length === 1) return ctx.snooze(0)
      if (seen.length === 2) return ctx.snooze(30_000)
      return 'ready'
    })
    const events = recordEvents(queue, ['job:snoozed', 'job:completed', 'job:failed'])
    await queue.startup()
    const startedAt = clock.now().getTime()
    const id = (await queue.enqueue('poll-upstream', {}, { maxAttempts: 1 })) as string
    await advanceUntil(clock, () => events.of('job:snoozed').length === 2, { stepMs: 0, maxSteps: 50 })
    expect(events.of('job:snoozed').map((event) => event.runAt.getTime() - startedAt)).toEqual([0, 30_000])
    expect(await backend.getJob({ id })).toMatchObject({ state: 'pending', attempts: 0 })
    await advanceUntil(clock, () => events.of('job:completed').length === 1, { stepMs: 1_000 })
    // Three attempts ran on a job with maxAttempts 1: snoozes do not use attempts up.
    expect(seen).toEqual([1, 1, 1])
    expect(clock.now().getTime() - startedAt).toBe(30_000)
    expect(events.of('job:failed')).toEqual([])
  })

  it('refuses a delayMs that is not a finite number >= 0 or lands past the latest Date, naming it', async () => {
    setUp()
    const bad: unknown[] = [Number.NaN, -1, Number.POSITIVE_INFINITY, '1000', MAXIMUMS.dateMs]
    const errors: unknown[] = []
    queue.process('bad-snooze', async (_job, ctx) => {
      for (const delayMs of bad) {
        try {
          void ctx.snooze(delayMs as number)
        } catch (error) {
          errors.push(error)
        }
      }
      return 'completed anyway'
    })
    const events = recordEvents(queue, ['job:snoozed', 'job:completed'])
    await queue.startup()
    await queue.enqueue('bad-snooze', {})
    await advanceUntil(clock, () => events.of('job:completed').length === 1, { stepMs: 0, maxSteps: 50 })
    expect(events.of('job:snoozed')).toEqual([])
    expect(errors).toHaveLength(bad.length)
    for (const error of errors) expect(ValidationError.isInstance(error)).toBe(true)
    expect((errors[0] as Error).message).toBe('delayMs must be a finite number of milliseconds >= 0, got NaN')
    expect((errors[3] as Error).message).toContain('"1000"')
    expect((errors[4] as Error).message).toMatch(
      /^delayMs must put the due time at or before the latest Date/,
    )
  })

  it('a snooze after another outcome is a no-op; a snooze of a job whose cancel was requested cancels it', async () => {
    setUp({ push: false })
    const go = deferred()
    queue.process('late', async (job, ctx) => {
      if (job.data === 'complete-first') {
        await ctx.complete('done')
        await ctx.snooze(1_000)
        return
      }
      await go.promise
      return ctx.snooze(1_000)
    })
    const events = recordEvents(queue, ['job:snoozed', 'job:completed', 'job:cancelled'])
    await queue.startup()
    const completed = (await queue.enqueue('late', 'complete-first')) as string
    const cancelled = (await queue.enqueue('late', 'cancel-first')) as string
    await advanceUntil(clock, () => events.of('job:completed').length === 1, { stepMs: 0, maxSteps: 50 })
    // Without push this queue has not heard of the request: the snooze's write is refused.
    await backend.cancelJobs({ ids: [cancelled], now: clock.now() })
    go.resolve()
    await advanceUntil(clock, () => events.of('job:cancelled').length === 1, { stepMs: 0, maxSteps: 50 })
    expect(events.of('job:snoozed')).toEqual([])
    expect((await backend.getJob({ id: completed }))?.state).toBe('completed')
    expect((await backend.getJob({ id: cancelled }))?.state).toBe('cancelled')
  })

  it('a claimOrEnqueue handle can snooze its job for a worker to run later', async () => {
    setUp()
    await queue.startup()
    const handle = await queue.claimOrEnqueue('inline', {}, { dedupeKey: 'inline:1' })
    await handle!.snooze(5_000)
    const job = await backend.getJob({ id: handle!.job.id })
    expect(job).toMatchObject({ state: 'pending', attempts: 0, dedupeKey: 'inline:1' })
    expect(job!.runAt.getTime()).toBe(clock.now().getTime() + 5_000)
  })
})
