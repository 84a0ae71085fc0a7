import { JobQueue, ThreadCrashedError, UnrecoverableError, ValidationError } from '@durabl/core'
import { ImmediateBackend, MemoryBackend, TestClock } from '@durabl/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { recordEvents } from './helpers.js'
import { HANDLERS, waitForState } from './thread-helpers.js'

describe('thread handlers: outcomes', () => {
  let queue: JobQueue
  let backend: MemoryBackend

  function setUp(options: { maxPayloadBytes?: number } = {}) {
    backend = new MemoryBackend()
    queue = new JobQueue(backend, { clock: new TestClock(), workerId: 'threads', ...options })
  }

  afterEach(async () => {
    await queue.shutdown(0)
  })

  it('completes with the returned result, reusing one thread whose module loaded once', async () => {
    setUp()
    queue.process('double', { module: HANDLERS }, { concurrency: 1 })
    const events = recordEvents(queue, ['job:completed', 'job:progress'])
    await queue.startup()
    const first = (await queue.enqueue('double', { n: 21 }))!
    const second = (await queue.enqueue('double', { n: 5 }))!
    const done = [
      await waitForState(backend, first, 'completed'),
      await waitForState(backend, second, 'completed'),
    ]
    const [one, two] = done.map(
      (job) => job.result as { doubled: number; threadId: number; jobsOnThisThread: number },
    )
    expect(one).toMatchObject({ doubled: 42, jobsOnThisThread: 1 })
    expect(two).toMatchObject({ doubled: 10, jobsOnThisThread: 2, threadId: one!.threadId })
    expect(events.of('job:completed').map((event) => event.result)).toEqual([one, two])
    expect(queue.getConcurrency().types).toEqual([{ type: 'double', limit: 1, inUse: 0, threads: 1 }])
  })

  it('stores ctx.log lines and ctx.progress from the thread, and emits job:progress', async () => {
    setUp()
    queue.process('double', { module: HANDLERS, exportName: 'default' })
    const events = recordEvents(queue, ['job:progress'])
    await queue.startup()
    const id = (await queue.enqueue('double', { n: 1 }))!
    const job = await waitForState(backend, id, 'completed')
    expect(job.logs.map((entry) => entry.message)).toEqual(['doubling 1', 'almost done'])
    expect(job.logs.every((entry) => entry.attempt === 1)).toBe(true)
    expect(job.progress).toEqual({ percent: 50 })
    expect(events.of('job:progress').map((event) => event.progress)).toEqual([{ percent: 50 }])
  })

  it('retries a handler that throws, with the error the thread threw', async () => {
    setUp()
    queue.process('flaky', { module: HANDLERS, exportName: 'flaky' })
    const events = recordEvents(queue, ['job:failed'])
    await queue.startup()
    const id = (await queue.enqueue('flaky', { failures: 2 }, { backoff: { type: 'fixed', delayMs: 0 } }))!
    const job = await waitForState(backend, id, 'completed')
    expect(job.result).toEqual({ succeededOn: 3 })
    expect(job.errors.map((error) => [error.name, error.message, error.fatal])).toEqual([
      ['Error', 'flaky failure 1', false],
      ['Error', 'flaky failure 2', false],
    ])
    expect(job.errors[0]?.stack).toContain('handlers.js')
    expect(events.of('job:failed').map((event) => event.willRetry)).toEqual([true, true])
  })

  it('fails the job for good on an UnrecoverableError thrown in the thread', async () => {
    setUp()
    queue.process('fatal', { module: HANDLERS, exportName: 'fatal' })
    const events = recordEvents(queue, ['job:failed'])
    await queue.startup()
    const id = (await queue.enqueue('fatal', {}, { maxAttempts: 5 }))!
    const job = await waitForState(backend, id, 'failed')
    expect(job.attempts).toBe(1)
    expect(job.errors).toMatchObject([
      {
        name: 'UnrecoverableError',
        code: 'UNRECOVERABLE',
        fatal: true,
        message: 'the input can never be processed',
      },
    ])
    expect(UnrecoverableError.isInstance(events.of('job:failed')[0]?.error)).toBe(true)
  })

  it('fails the attempt when the result cannot be structured-cloned', async () => {
    setUp()
    queue.process('unsendable', { module: HANDLERS, exportName: 'unsendableResult' })
    await queue.startup()
    const id = (await queue.enqueue('unsendable', {}, { maxAttempts: 1 }))!
    const job = await waitForState(backend, id, 'failed')
    expect(job.errors[0]?.message).toMatch(/^the handler's result cannot be sent to the main thread/)
  })

  it('fails the attempt when the export is not a function, and loads the module again on a new thread', async () => {
    setUp()
    queue.process('missing', { module: HANDLERS, exportName: 'notAFunction' })
    await queue.startup()
    const id = (await queue.enqueue(
      'missing',
      {},
      { maxAttempts: 2, backoff: { type: 'fixed', delayMs: 0 } },
    ))!
    const job = await waitForState(backend, id, 'failed')
    expect(job.errors.map((error) => error.message)).toEqual([
      `the thread handler module ${HANDLERS.href} exports number as "notAFunction", not a function`,
      `the thread handler module ${HANDLERS.href} exports number as "notAFunction", not a function`,
    ])
  })

  it('fails the attempt and stops the thread when progress cannot be stored', async () => {
    setUp({ maxPayloadBytes: 1_024 })
    queue.process('big', { module: HANDLERS, exportName: 'oversizedProgress' }, { threadTerminateGraceMs: 0 })
    const events = recordEvents(queue, ['job:failed'])
    await queue.startup()
    const id = (await queue.enqueue('big', {}, { maxAttempts: 1 }))!
    const job = await waitForState(backend, id, 'failed')
    expect(job.errors[0]).toMatchObject({ name: 'PayloadError', code: 'INVALID_PAYLOAD' })
    expect(ThreadCrashedError.isInstance(events.of('job:failed')[0]?.error)).toBe(false)
  })
})

describe('thread handlers: inline backends', () => {
  it('runs inline jobs on the same threads; one more than concurrency waits for a free thread', async () => {
    const queue = new JobQueue(new ImmediateBackend())
    queue.process('which', { module: HANDLERS, exportName: 'whichThread' }, { concurrency: 1 })
    const events = recordEvents(queue, ['job:completed'])
    await queue.startup()
    try {
      await Promise.all([queue.enqueue('which', {}), queue.enqueue('which', {})])
      const results = events.of('job:completed').map((event) => event.result as { threadId: number })
      expect(results).toHaveLength(2)
      expect(results[1]?.threadId).toBe(results[0]?.threadId)
      expect(queue.getConcurrency().types[0]?.threads).toBe(1)
    } finally {
      await queue.shutdown(0)
    }
  })
})

describe('thread handlers: registration', () => {
  const queue = new JobQueue(new MemoryBackend())

  it('refuses isolation: thread for a function handler, saying why', () => {
    const register = () => queue.process('fn', async () => {}, { isolation: 'thread' } as never)
    expect(register).toThrow(ValidationError)
    expect(register).toThrow(
      "config.isolation cannot be 'thread' for a function handler: a function cannot be sent to another thread",
    )
  })

  it('names the field and the value of a bad module reference', () => {
    expect(() => queue.process('a', { module: './handlers.js' })).toThrow(
      /^handler\.module must be a file: URL .* or an absolute path.*, got "\.\/handlers\.js"$/,
    )
    const missing = new URL('./no-such-file.js', HANDLERS)
    expect(() => queue.process('b', { module: missing })).toThrow(
      `handler.module must name an existing file (not found: ${missing.pathname}), got "file:///`,
    )
    expect(() => queue.process('c', { module: HANDLERS, exportName: '' })).toThrow(
      'handler.exportName must be a non-empty string, got ""',
    )
    expect(() => queue.process('d', { module: HANDLERS, export: 'x' } as never)).toThrow(
      /^handler\.export is not a known option/,
    )
    expect(() => queue.process('e', 42 as never)).toThrow(
      'handler must be a function, or { module, exportName? } for a thread handler, got 42',
    )
    expect(() => queue.process('f', { module: HANDLERS }, { isolation: 'none' } as never)).toThrow(
      /^config\.isolation must be 'thread' for a module handler/,
    )
    expect(() => queue.process('g', async () => {}, { threadTerminateGraceMs: 10 })).toThrow(
      "config.threadTerminateGraceMs applies only with isolation: 'thread', got 10",
    )
    expect(() =>
      queue.process('h', { module: HANDLERS }, { threadResourceLimits: { maxOldGenerationSizeMb: -1 } }),
    ).toThrow('config.threadResourceLimits.maxOldGenerationSizeMb must be a positive finite number, got -1')
    expect(queue.getConcurrency().types).toEqual([])
  })

  it('accepts an absolute path as the module', () => {
    queue.process('by-path', { module: HANDLERS.pathname }, { concurrency: 2 })
    expect(queue.getConcurrency().types).toEqual([{ type: 'by-path', limit: 2, inUse: 0, threads: 0 }])
  })
})
