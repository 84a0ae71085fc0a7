import { describe, expect, it } from 'vitest'
import { ACK_DRAIN_ATTEMPTS, ACK_RETRY_BASE_MS, AckAbandonedError, AckBatcher } from './ack-batcher.js'
import { flushTurns, ManualClock } from './test-support/manual-clock.js'
import { createStubBackend } from './test-support/stub-backend.js'

const error = {
  attempt: 1,
  name: 'Error',
  message: 'x',
  code: null,
  stack: null,
  fatal: false,
  at: new Date(0),
}

function setUp() {
  const backend = createStubBackend()
  const clock = new ManualClock()
  const errors: string[] = []
  const acks = new AckBatcher({
    backend,
    clock,
    batchSize: 3,
    onError: (failure, operation) => errors.push(`${operation}: ${failure.message}`),
  })
  const lease = (id: string) => ({
    id,
    type: 'work',
    leaseToken: `t-${id}`,
    dedupeKey: null,
    dedupeScope: null,
    takeUpdates: () => ({ logs: [{ attempt: 1, message: id, at: new Date(0) }] }),
  })
  return { backend, clock, errors, acks, lease }
}

describe('AckBatcher', () => {
  it('writes acknowledgements made in the same tick together, in one acknowledgeJobs call', async () => {
    const { backend, acks, lease } = setUp()
    const results = await Promise.all([
      acks.complete({ ...lease('a'), result: 1 }),
      acks.complete({ ...lease('b'), result: 2 }),
      acks.fail({ ...lease('c'), error, retryAt: new Date(0) }),
      acks.release(lease('d')),
    ])
    expect(results).toEqual(['applied', 'applied', 'retried', 'applied'])
    expect(backend.acknowledgeJobs).toHaveBeenCalledTimes(1)
    expect(backend.completeJobs).toHaveBeenCalledTimes(1)
    expect(
      backend.completeJobs.mock.calls[0]?.[0].jobs.map((job) => [job.id, job.leaseToken, job.result]),
    ).toEqual([
      ['a', 't-a', 1],
      ['b', 't-b', 2],
    ])
    expect(backend.failJobs).toHaveBeenCalledTimes(1)
    expect(backend.releaseJobs).toHaveBeenCalledTimes(1)
  })

  it('caps a call at batchSize and accumulates new acknowledgements while one is in flight', async () => {
    const { backend, acks, lease } = setUp()
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    backend.completeJobs.mockImplementationOnce(async (params) => {
      await gate
      return { applied: params.jobs.map((job) => job.id), lost: [] }
    })
    const first = [acks.complete({ ...lease('a'), result: null })]
    await flushTurns()
    const more = ['b', 'c', 'd', 'e'].map((id) => acks.complete({ ...lease(id), result: null }))
    await flushTurns()
    expect(backend.completeJobs).toHaveBeenCalledTimes(1)
    release()
    await Promise.all([...first, ...more])
    expect(backend.completeJobs.mock.calls.map((call) => call[0].jobs.length)).toEqual([1, 3, 1])
  })

  it('reports lost leases per job', async () => {
    const { backend, acks, lease } = setUp()
    backend.completeJobs.mockImplementationOnce(async () => ({ applied: ['a'], lost: ['b'] }))
    backend.failJobs.mockImplementationOnce(async () => ({
      retried: [],
      failed: ['c'],
      lost: ['d'],
      cancelRequested: [],
    }))
    expect(
      await Promise.all([
        acks.complete({ ...lease('a'), result: null }),
        acks.complete({ ...lease('b'), result: null }),
        acks.fail({ ...lease('c'), error, retryAt: null }),
        acks.fail({ ...lease('d'), error, retryAt: new Date(0) }),
      ]),
    ).toEqual(['applied', 'lost', 'failed', 'lost'])
  })

  it('writes cancels in the same acknowledgeJobs call as the other kinds', async () => {
    const { backend, acks, lease } = setUp()
    const results = await Promise.all([
      acks.complete({ ...lease('a'), result: 1 }),
      acks.cancel({ ...lease('b'), error: { ...error, fatal: true } }),
    ])
    expect(results).toEqual(['applied', 'applied'])
    expect(backend.acknowledgeJobs).toHaveBeenCalledTimes(1)
    const params = backend.acknowledgeJobs.mock.calls[0]?.[0]
    expect(
      params?.cancel?.map((job) => [job.id, job.leaseToken, job.error.fatal, job.logs?.[0]?.message]),
    ).toEqual([['b', 't-b', true, 'b']])
  })

  it('gives a write refused for a cancel request its progress and logs back', async () => {
    const { backend, acks, lease } = setUp()
    backend.failJobs.mockImplementationOnce(async () => ({
      retried: [],
      failed: [],
      lost: [],
      cancelRequested: ['a'],
    }))
    backend.releaseJobs.mockImplementationOnce(async () => ({
      applied: [],
      lost: [],
      cancelRequested: ['b'],
    }))
    const restored: string[] = []
    const restoring = (id: string) => ({
      ...lease(id),
      restoreUpdates: (updates: { logs?: Array<{ message: string }> }) =>
        restored.push(...(updates.logs ?? []).map((line) => line.message)),
    })
    expect(
      await Promise.all([
        acks.fail({ ...restoring('a'), error, retryAt: new Date(0) }),
        acks.release(restoring('b')),
      ]),
    ).toEqual(['cancelRequested', 'cancelRequested'])
    expect(restored.sort()).toEqual(['a', 'b'])
  })

  it('retries a failed write after a backoff on the clock, with the same updates', async () => {
    const { backend, clock, acks, errors, lease } = setUp()
    backend.completeJobs.mockRejectedValueOnce(new Error('down'))
    let takes = 0
    const result = acks.complete({
      id: 'a',
      type: 'work',
      leaseToken: 't',
      result: 1,
      takeUpdates: () => ({ logs: [{ attempt: 1, message: `take ${++takes}`, at: new Date(0) }] }),
    })
    await flushTurns()
    expect(errors).toEqual(['acknowledgeJobs: down'])
    expect(backend.completeJobs).toHaveBeenCalledTimes(1)
    await clock.advance(ACK_RETRY_BASE_MS - 1)
    expect(backend.completeJobs).toHaveBeenCalledTimes(1)
    await clock.advance(1)
    await expect(result).resolves.toBe('applied')
    expect(takes).toBe(1)
    expect(backend.completeJobs.mock.calls[1]?.[0].jobs[0]?.logs?.[0]?.message).toBe('take 1')
    void lease
  })

  it('drain() writes at once and rejects waiters after a few failed tries', async () => {
    const { backend, acks, lease } = setUp()
    backend.completeJobs.mockRejectedValue(new Error('down for good'))
    const result = acks.complete({ ...lease('a'), result: null })
    result.catch(() => {})
    await flushTurns()
    await acks.drain()
    await expect(result).rejects.toThrow('down for good')
    expect(backend.completeJobs).toHaveBeenCalledTimes(ACK_DRAIN_ATTEMPTS)
  })

  it('abandon() gives up on queued and in-flight writes, ignores late replies and writes nothing more', async () => {
    const { backend, clock, acks, lease } = setUp()
    let answer!: () => void
    backend.completeJobs.mockImplementationOnce(
      (params) =>
        new Promise((resolve) => {
          answer = () => resolve({ applied: params.jobs.map((job) => job.id), lost: [] })
        }),
    )
    const inFlight = acks.complete({ ...lease('a'), result: null })
    await flushTurns()
    expect(backend.completeJobs).toHaveBeenCalledTimes(1)
    const queued = acks.release(lease('b'))
    const drained = acks.drain()
    expect(acks.abandon()).toEqual([
      { id: 'a', type: 'work', write: 'complete' },
      { id: 'b', type: 'work', write: 'release' },
    ])
    await expect(inFlight).rejects.toBeInstanceOf(AckAbandonedError)
    await expect(queued).rejects.toBeInstanceOf(AckAbandonedError)
    await drained
    await expect(acks.fail({ ...lease('c'), error, retryAt: new Date(0) })).rejects.toBeInstanceOf(
      AckAbandonedError,
    )
    answer()
    await clock.advance(60_000)
    expect(backend.releaseJobs).not.toHaveBeenCalled()
    expect(backend.failJobs).not.toHaveBeenCalled()
    expect(clock.pendingTimerCount).toBe(0)
  })
})
