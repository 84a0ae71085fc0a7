import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { JobQueue, type ShutdownReport, ThreadCrashedError } from '@durabl/core'
import { MemoryBackend, TestClock } from '@durabl/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { recordEvents } from './helpers.js'
import { HANDLERS, nextProgress, waitForState, waitUntil } from './thread-helpers.js'

describe('thread handlers: termination and crashes', () => {
  let queue: JobQueue
  let backend: MemoryBackend
  let clock: TestClock

  function setUp() {
    backend = new MemoryBackend()
    clock = new TestClock()
    queue = new JobQueue(backend, { clock, workerId: 'threads' })
  }

  afterEach(async () => {
    await queue.shutdown(0)
  })

  function threadsOf(type: string): number | undefined {
    return queue.getConcurrency().types.find((entry) => entry.type === type)?.threads
  }

  it('terminates a handler stuck in a loop after timeoutMs and the grace, keeps its lease meanwhile, and runs the next job on a fresh thread', async () => {
    setUp()
    queue.process('spin', { module: HANDLERS, exportName: 'spin' }, { concurrency: 1, leaseMs: 3_000 })
    const events = recordEvents(queue, ['job:failed', 'job:active', 'lease:lost', 'job:completed'])
    await queue.startup()
    const stuck = (await queue.enqueue('spin', {}, { timeoutMs: 10_000, maxAttempts: 1 }))!
    const { threadId: stuckThread } = (await nextProgress(queue, stuck)) as { threadId: number }

    // The thread never yields, but leases are the main thread's: ten seconds of heartbeats go out.
    for (let elapsedMs = 0; elapsedMs < 9_500; elapsedMs += 500) await clock.advance(500)
    expect((await backend.getJob({ id: stuck }))?.state).toBe('active')
    await clock.advance(500)
    const failed = await waitForState(backend, stuck, 'failed')
    expect(failed.errors).toMatchObject([{ name: 'JobTimeoutError', code: 'JOB_TIMEOUT', fatal: false }])
    expect(failed.progress).toEqual({ threadId: stuckThread })
    expect(events.of('lease:lost')).toEqual([])

    // Recorded, but the thread still runs: it holds the type's only slot until it is terminated.
    const next = (await queue.enqueue('spin', { spin: false }))!
    expect(queue.getConcurrency().types).toEqual([{ type: 'spin', limit: 1, inUse: 1, threads: 1 }])
    expect((await backend.getJob({ id: next }))?.state).toBe('pending')
    await clock.advance(1_000) // threadTerminateGraceMs
    const completed = await waitForState(backend, next, 'completed')
    expect(completed.result).toEqual({ threadId: expect.any(Number) })
    expect((completed.result as { threadId: number }).threadId).not.toBe(stuckThread)
    expect(events.seen.map(({ event, payload }) => `${event}:${payload.job.id}`)).toEqual([
      `job:active:${stuck}`,
      `job:failed:${stuck}`,
      `job:active:${next}`,
      `job:completed:${next}`,
    ])
    expect(threadsOf('spin')).toBe(1)
  })

  it('terminates the thread of a job whose lease was lost, after the grace', async () => {
    setUp()
    queue.process('spin', { module: HANDLERS, exportName: 'spin' }, { leaseMs: 3_000 })
    const events = recordEvents(queue, ['lease:lost'])
    await queue.startup()
    const id = (await queue.enqueue('spin', {}))!
    await nextProgress(queue, id)
    // Another worker's lease recovery, as if this one had been unreachable: the next heartbeat finds out.
    const later = new Date(clock.now().getTime() + 60_000)
    await backend.recoverExpiredLeases({
      now: later,
      error: {
        name: 'LeaseExpiredError',
        message: 'expired',
        code: 'LEASE_EXPIRED',
        stack: null,
        fatal: false,
        at: later,
      },
    })
    await clock.advance(1_000) // heartbeatMs
    expect(events.of('lease:lost').map((event) => event.job.id)).toEqual([id])
    expect(threadsOf('spin')).toBe(1)
    await clock.advance(1_000) // threadTerminateGraceMs
    await waitUntil(() => threadsOf('spin') === 0, 'the thread to be terminated')
    expect(queue.getConcurrency().inUse).toBe(0)
  })

  it('lets a handler that settles when asked keep its thread, and shows it the reason', async () => {
    setUp()
    queue.process('polite', { module: HANDLERS, exportName: 'stopWhenAborted' })
    await queue.startup()
    const first = (await queue.enqueue('polite', {}, { timeoutMs: 1_000, maxAttempts: 1 }))!
    const { threadId } = (await nextProgress(queue, first)) as { threadId: number }
    const stopped = nextProgress(queue, first)
    await clock.advance(1_000)
    expect(await stopped).toEqual({ name: 'JobTimeoutError', code: 'JOB_TIMEOUT', isTimeout: true })
    await waitForState(backend, first, 'failed')
    // It settled within the grace: the thread is free again without the clock moving on.
    const second = (await queue.enqueue('polite', {}, { timeoutMs: 1_000, maxAttempts: 1 }))!
    expect(await nextProgress(queue, second)).toEqual({ threadId })
  })

  it.each([
    ['exitProcess', /crashed: it exited with code 1$/],
    ['throwFromTimer', /crashed: Error: uncaught in a timer$/],
  ])(
    'fails the attempt of a thread that crashes (%s), retries it, and the process lives on',
    async (exportName, message) => {
      setUp()
      queue.process('crash', { module: HANDLERS, exportName })
      queue.process('fine', { module: HANDLERS, exportName: 'whichThread' })
      const events = recordEvents(queue, ['job:failed'])
      await queue.startup()
      const id = (await queue.enqueue(
        'crash',
        {},
        { maxAttempts: 2, backoff: { type: 'fixed', delayMs: 0 } },
      ))!
      const job = await waitForState(backend, id, 'failed')
      expect(job.errors.map((error) => [error.code, error.fatal])).toEqual([
        ['THREAD_CRASHED', false],
        ['THREAD_CRASHED', false],
      ])
      expect(job.errors[0]?.message).toMatch(message)
      expect(events.of('job:failed').map((event) => event.willRetry)).toEqual([true, false])
      expect(ThreadCrashedError.isInstance(events.of('job:failed')[0]?.error)).toBe(true)
      await waitUntil(() => threadsOf('crash') === 0, 'the crashed thread to be gone')
      const fine = (await queue.enqueue('fine', {}))!
      await waitForState(backend, fine, 'completed')
    },
  )

  it('fails the attempt of a thread that reaches its threadResourceLimits', async () => {
    setUp()
    queue.process(
      'hungry',
      { module: HANDLERS, exportName: 'exhaustMemory' },
      { threadResourceLimits: { maxOldGenerationSizeMb: 16 } },
    )
    await queue.startup()
    const id = (await queue.enqueue('hungry', {}, { maxAttempts: 1 }))!
    const job = await waitForState(backend, id, 'failed')
    expect(job.errors[0]).toMatchObject({ code: 'THREAD_CRASHED', fatal: false })
    expect(job.errors[0]?.message).toMatch(/ERR_WORKER_OUT_OF_MEMORY|memory limit/)
  })

  it("does not stall the main thread: another type's function handler completes while a thread crunches", async () => {
    setUp()
    const directory = await mkdtemp(join(tmpdir(), 'durabl-threads-'))
    try {
      const flagPath = join(directory, 'stop')
      queue.process('crunch', { module: HANDLERS, exportName: 'crunchUntilFlag' })
      queue.process('quick', async () => 'quick result')
      const events = recordEvents(queue, ['job:completed'])
      await queue.startup()
      const crunch = (await queue.enqueue('crunch', { flagPath }))!
      await nextProgress(queue, crunch)
      // The crunching thread never yields; if it ran on the main thread, nothing below could run.
      const quick = (await queue.enqueue('quick', {}))!
      await waitForState(backend, quick, 'completed')
      expect((await backend.getJob({ id: crunch }))?.state).toBe('active')
      await writeFile(flagPath, '')
      await waitForState(backend, crunch, 'completed')
      expect(events.of('job:completed').map((event) => event.job.id)).toEqual([quick, crunch])
    } finally {
      await rm(directory, { recursive: true, force: true })
    }
  })
})

describe('thread handlers: shutdown', () => {
  function watch(shutdown: Promise<ShutdownReport>) {
    const state: { report: ShutdownReport | null } = { report: null }
    void shutdown.then((report) => {
      state.report = report
    })
    return state
  }

  async function startStuck(threadTerminateGraceMs?: number) {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    const queue = new JobQueue(backend, { clock })
    queue.process(
      'spin',
      { module: HANDLERS, exportName: 'spin' },
      { concurrency: 2, ...(threadTerminateGraceMs === undefined ? {} : { threadTerminateGraceMs }) },
    )
    await queue.startup()
    const ids = (await queue.enqueueMany([
      { type: 'spin', data: {} },
      { type: 'spin', data: {} },
    ])) as string[]
    await Promise.all(ids.map((id) => nextProgress(queue, id)))
    return { backend, clock, queue, ids }
  }

  it('terminates stuck threads once their grace ends, before the deadline', async () => {
    const { backend, clock, queue, ids } = await startStuck(100)
    const shutdown = watch(queue.shutdown(3_000))
    await clock.advance(2_700) // running jobs' share of the deadline: both are released
    await clock.advance(100) // threadTerminateGraceMs: both threads are terminated
    await waitUntil(() => shutdown.report !== null, 'shutdown to resolve')
    expect(shutdown.report).toEqual({ timedOut: false, abandonedJobs: [], abandonedOperations: [] })
    expect(queue.getConcurrency().types[0]?.threads).toBe(0)
    for (const id of ids) expect((await backend.getJob({ id }))?.state).toBe('pending')
  })

  it('terminates them at the deadline when their grace would end later', async () => {
    const { backend, clock, queue, ids } = await startStuck()
    const shutdown = watch(queue.shutdown(3_000))
    await clock.advance(2_999)
    expect(shutdown.report).toBeNull()
    await clock.advance(1)
    await waitUntil(() => shutdown.report !== null, 'shutdown to resolve')
    expect(shutdown.report).toEqual({ timedOut: false, abandonedJobs: [], abandonedOperations: [] })
    await waitUntil(() => queue.getConcurrency().types[0]?.threads === 0, 'the threads to exit')
    for (const id of ids) expect((await backend.getJob({ id }))?.state).toBe('pending')
  })
})
