import { JobQueue, type ShutdownReport } from '@durabl/core'
import { MemoryBackend, TestClock } from '@durabl/testing'
import { describe, expect, it, vi } from 'vitest'
import { advanceUntil, deferred, recordEvents } from './helpers.js'

type Call = 'claimJobs' | 'completeJobs' | 'failJobs' | 'releaseJobs' | 'heartbeatJobs'

/**
 * A database that stopped answering: once `hang()` is called, the chosen calls return promises
 * that never settle (no error, no reply), as with a server that accepts the command and goes quiet.
 */
class UnresponsiveBackend extends MemoryBackend {
  readonly #hanging = new Set<Call>()
  hang(...calls: Call[]): void {
    for (const call of calls) this.#hanging.add(call)
  }
  #maybeHang<T>(call: Call, answer: () => Promise<T>): Promise<T> {
    return this.#hanging.has(call) ? new Promise<T>(() => {}) : answer()
  }
  override claimJobs(params: Parameters<MemoryBackend['claimJobs']>[0]) {
    return this.#maybeHang('claimJobs', () => super.claimJobs(params))
  }
  override completeJobs(params: Parameters<MemoryBackend['completeJobs']>[0]) {
    return this.#maybeHang('completeJobs', () => super.completeJobs(params))
  }
  override failJobs(params: Parameters<MemoryBackend['failJobs']>[0]) {
    return this.#maybeHang('failJobs', () => super.failJobs(params))
  }
  override releaseJobs(params: Parameters<MemoryBackend['releaseJobs']>[0]) {
    return this.#maybeHang('releaseJobs', () => super.releaseJobs(params))
  }
  override heartbeatJobs(params: Parameters<MemoryBackend['heartbeatJobs']>[0]) {
    return this.#maybeHang('heartbeatJobs', () => super.heartbeatJobs(params))
  }
}

/** Watches a shutdown promise without awaiting it. */
function watch(shutdown: Promise<ShutdownReport>) {
  const state: { report: ShutdownReport | null } = { report: null }
  void shutdown.then((report) => {
    state.report = report
  })
  return state
}

describe('shutdown(timeoutMs) is a deadline', () => {
  it('gives up on a completion the database never confirms, reports it, and recovery runs the job again', async () => {
    const backend = new UnresponsiveBackend()
    const clock = new TestClock()
    const queue = new JobQueue(backend, { clock, workerId: 'stuck' })
    const handled = deferred()
    queue.process('work', async () => handled.resolve(), { leaseMs: 30_000 })
    const events = recordEvents(queue, ['queue:abandoned', 'queue:stopped', 'job:completed'])
    await queue.startup()
    backend.hang('completeJobs')
    const id = (await queue.enqueue('work', {}))!
    await handled.promise

    const shutdown = watch(queue.shutdown(5_000))
    await clock.advance(4_999)
    expect(shutdown.report).toBeNull()
    await clock.advance(1)
    await vi.waitFor(() => expect(shutdown.report).not.toBeNull(), { timeout: 5_000, interval: 5 })
    expect(shutdown.report).toEqual({
      timedOut: true,
      abandonedJobs: [{ id, type: 'work', write: 'complete' }],
      abandonedOperations: [],
    })
    expect(events.of('queue:abandoned')).toEqual([
      { jobs: [{ id, type: 'work', write: 'complete' }], operations: [] },
    ])
    expect(events.seen.map((entry) => entry.event)).toEqual(['queue:abandoned', 'queue:stopped'])
    expect(queue.state).toBe('stopped')

    // The completion never landed: the job keeps its lease until it expires, then any worker's
    // lease recovery returns it and it runs again (at-least-once).
    expect((await backend.getJob({ id }))?.state).toBe('active')
    const next = new JobQueue(backend, { clock, workerId: 'next' })
    const ranAgain: string[] = []
    next.process('work', async (job) => void ranAgain.push(job.id))
    await next.startup()
    await advanceUntil(clock, () => ranAgain.length > 0, {
      stepMs: 1_000,
      maxSteps: 60,
      what: 'lease recovery to return the job to another worker',
    })
    expect(ranAgain).toEqual([id])
    expect((await backend.getJob({ id }))?.attempts).toBe(2)
    void next.shutdown(0)
  })

  it('gives up on the release of a job that ignores its abort signal', async () => {
    const backend = new UnresponsiveBackend()
    const clock = new TestClock()
    const queue = new JobQueue(backend, { clock })
    const started = deferred()
    queue.process('stubborn', async () => {
      started.resolve()
      await new Promise(() => {}) // ignores ctx.signal
    })
    await queue.startup()
    const id = (await queue.enqueue('stubborn', {}))!
    await started.promise
    backend.hang('releaseJobs', 'heartbeatJobs')

    const shutdown = watch(queue.shutdown(2_000))
    await advanceUntil(clock, () => shutdown.report !== null, { stepMs: 100, maxSteps: 25 })
    expect(clock.now().getTime() - Date.parse('2030-01-01T00:00:00.000Z')).toBeLessThanOrEqual(2_000)
    expect(shutdown.report).toEqual({
      timedOut: true,
      abandonedJobs: [{ id, type: 'stubborn', write: 'release' }],
      abandonedOperations: [],
    })
  })

  it('gives up on a claim in flight', async () => {
    const backend = new UnresponsiveBackend()
    const clock = new TestClock()
    const queue = new JobQueue(backend, { clock })
    backend.hang('claimJobs')
    const claimed = vi.spyOn(backend, 'claimJobs')
    queue.process('work', async () => {})
    await queue.startup()
    await vi.waitFor(() => expect(claimed).toHaveBeenCalled(), { timeout: 5_000, interval: 5 })

    const shutdown = watch(queue.shutdown(0))
    await advanceUntil(clock, () => shutdown.report !== null, { stepMs: 100, maxSteps: 10 })
    expect(shutdown.report).toEqual({ timedOut: true, abandonedJobs: [], abandonedOperations: ['claimJobs'] })
  })

  it('reports nothing abandoned, and emits no queue:abandoned, when every write is confirmed', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    const queue = new JobQueue(backend, { clock })
    const events = recordEvents(queue, ['queue:abandoned'])
    const started = deferred()
    queue.process('work', async (_job, ctx) => {
      started.resolve()
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }))
    })
    await queue.startup()
    await queue.enqueue('work', {})
    await started.promise
    const shutdown = watch(queue.shutdown(1_000))
    await advanceUntil(clock, () => shutdown.report !== null, { stepMs: 100, maxSteps: 10 })
    expect(shutdown.report).toEqual({ timedOut: false, abandonedJobs: [], abandonedOperations: [] })
    expect(events.seen).toEqual([])
    expect((await backend.getStats({ now: clock.now() })).total.pending).toBe(1)
  })
})
