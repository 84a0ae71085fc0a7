import { describe, expect, it } from 'vitest'
import type { Job } from '../job.js'
import type { TypeLimits } from '../type-limits.js'
import { Fetcher, type FetcherType } from './fetcher.js'
import { flushTurns, ManualClock } from './test-support/manual-clock.js'
import { activeJob, createStubBackend } from './test-support/stub-backend.js'

function setUp(limitsFor: (type: string) => TypeLimits | null, types: FetcherType[]) {
  const backend = createStubBackend()
  const clock = new ManualClock()
  const started: Job[] = []
  const errors: string[] = []
  const fetcher = new Fetcher({
    backend,
    clock,
    workerId: 'w',
    instanceConcurrency: 100,
    // Started jobs keep their slots: these tests free none.
    slots: {
      inUse: (type?: string) => started.filter((job) => type === undefined || job.type === type).length,
    },
    types: () => types,
    pollIntervalMs: () => 60_000,
    startJob: (job) => started.push(job),
    returnUnstarted: () => {},
    onError: (error, operation) => errors.push(`${operation}: ${error.message}`),
    limitsFor,
  })
  return { backend, clock, fetcher, started, errors }
}

const TYPES: FetcherType[] = [
  { type: 'limited', concurrency: 4, leaseMs: 30_000 },
  { type: 'free', concurrency: 4, leaseMs: 30_000 },
]

describe('Fetcher with fleet-wide limits', () => {
  it('passes the limits of limited types only; the claim of the others is unchanged', async () => {
    const limits: TypeLimits = { concurrency: 2, perKey: { rateLimit: { max: 5, perMs: 1_000 } } }
    const { backend, fetcher } = setUp((type) => (type === 'limited' ? limits : null), TYPES)
    fetcher.start()
    await flushTurns()
    const claimed = backend.claimJobs.mock.calls[0]?.[0]
    expect(claimed?.types).toEqual([
      { type: 'limited', limit: 4, leaseMs: 30_000, limits },
      { type: 'free', limit: 4, leaseMs: 30_000 },
    ])
    await fetcher.stop()
  })

  it('claims a concurrency-limited type again when one of its acknowledgements is written', async () => {
    const { backend, fetcher } = setUp((type) => (type === 'limited' ? { concurrency: 1 } : null), TYPES)
    // The first claim comes back short for both types (the limit held 'limited' back).
    backend.claimJobs.mockImplementationOnce(async () => [activeJob({ type: 'limited' })])
    fetcher.start()
    await flushTurns()
    expect(backend.claimJobs).toHaveBeenCalledTimes(1)
    // An unlimited type's acknowledgement frees no fleet slot: no claim.
    fetcher.slotReleased('free')
    await flushTurns()
    expect(backend.claimJobs).toHaveBeenCalledTimes(1)
    fetcher.slotReleased('limited')
    await flushTurns()
    expect(backend.claimJobs).toHaveBeenCalledTimes(2)
    // That claim was short again (the stub returns nothing): still waiting, once per acknowledgement.
    fetcher.slotReleased('limited')
    fetcher.slotReleased('limited')
    await flushTurns()
    expect(backend.claimJobs).toHaveBeenCalledTimes(3)
    await fetcher.stop()
  })

  it('skips the next-due read while a short concurrency-limited type runs jobs here', async () => {
    const { backend, fetcher, started } = setUp(
      () => ({ perKey: { concurrency: 1 } }),
      [TYPES[0] as FetcherType],
    )
    backend.claimJobs.mockImplementationOnce(async () => [activeJob({ type: 'limited' })])
    fetcher.start()
    await flushTurns()
    expect(started).toHaveLength(1)
    // Its acknowledgement claims again: no read needed now.
    expect(backend.nextDueAt).not.toHaveBeenCalled()
    await fetcher.stop()
  })

  it('reads the next due time after a short claim when nothing of the type runs here', async () => {
    const { backend, fetcher } = setUp(() => ({ concurrency: 1 }), [TYPES[0] as FetcherType])
    fetcher.start()
    await flushTurns()
    expect(backend.nextDueAt).toHaveBeenCalledTimes(1)
    await fetcher.stop()
  })

  it('does not claim again for an acknowledgement when the last claim was full', async () => {
    const { backend, fetcher } = setUp(() => ({ concurrency: 10 }), [TYPES[0] as FetcherType])
    backend.claimJobs.mockImplementationOnce(async (params) =>
      Array.from({ length: params.limit }, () => activeJob({ type: 'limited' })),
    )
    fetcher.start()
    await flushTurns()
    expect(backend.claimJobs).toHaveBeenCalledTimes(1)
    fetcher.slotReleased('limited')
    await flushTurns()
    // Full claims are followed by slot frees (slotFreed), not by acknowledgements.
    expect(backend.claimJobs).toHaveBeenCalledTimes(1)
    await fetcher.stop()
  })

  it('leaves out a type whose limits cannot be read, reporting why, and claims the others', async () => {
    const { backend, fetcher, errors } = setUp((type) => {
      if (type === 'limited') throw new Error('controls unavailable')
      return null
    }, TYPES)
    fetcher.start()
    await flushTurns()
    expect(backend.claimJobs.mock.calls[0]?.[0].types.map((entry) => entry.type)).toEqual(['free'])
    expect(errors).toEqual(['limitsFor: controls unavailable'])
    await fetcher.stop()
  })

  it('waits for the time a rate limit allows (the next due time), without spinning', async () => {
    const { backend, clock, fetcher } = setUp(
      () => ({ rateLimit: { max: 1, perMs: 1_000 } }),
      [TYPES[0] as FetcherType],
    )
    // The backend held jobs back and moved their runAt to when the limit allows: 1 s from now.
    backend.claimJobs.mockImplementationOnce(async () => [activeJob({ type: 'limited' })])
    backend.nextDueAt.mockImplementation(async ({ now }) => new Date(now.getTime() + 1_000))
    fetcher.start()
    await flushTurns()
    await clock.advance(999)
    expect(backend.claimJobs).toHaveBeenCalledTimes(1)
    await clock.advance(1)
    expect(backend.claimJobs).toHaveBeenCalledTimes(2)
    await fetcher.stop()
  })
})
