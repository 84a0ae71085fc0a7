import { describe, expect, it } from 'vitest'
import type { Job } from '../job.js'
import { CLAIM_RETRY_BASE_MS, Fetcher, type FetcherType, MAX_TIMER_DELAY_MS } from './fetcher.js'
import { flushTurns, ManualClock } from './test-support/manual-clock.js'
import { activeJob, createStubBackend } from './test-support/stub-backend.js'

function setUp(
  options: { types?: FetcherType[]; instanceConcurrency?: number; pollIntervalMs?: number } = {},
) {
  const backend = createStubBackend()
  const clock = new ManualClock()
  const started: Job[] = []
  const returned: Job[] = []
  const errors: string[] = []
  const types = options.types ?? [{ type: 'work', concurrency: 2, leaseMs: 30_000 }]
  // The slot record a SlotPool keeps: a started job holds a slot until `free(type)`.
  const inUse = new Map<string, number>()
  const slots = {
    inUse: (type?: string) =>
      type === undefined
        ? [...inUse.values()].reduce((sum, count) => sum + count, 0)
        : (inUse.get(type) ?? 0),
  }
  const free = (type: string) => {
    inUse.set(type, Math.max(0, (inUse.get(type) ?? 0) - 1))
    fetcher.slotFreed(type)
  }
  const fetcher = new Fetcher({
    backend,
    clock,
    workerId: 'w',
    instanceConcurrency: options.instanceConcurrency ?? 100,
    slots,
    types: () => types,
    pollIntervalMs: () => options.pollIntervalMs ?? 5_000,
    startJob: (job) => {
      started.push(job)
      inUse.set(job.type, (inUse.get(job.type) ?? 0) + 1)
    },
    returnUnstarted: (jobs) => returned.push(...jobs),
    onError: (error, operation) => errors.push(`${operation}: ${error.message}`),
  })
  /** Makes the next claim return as many jobs as asked (per type). */
  const fill = () =>
    backend.claimJobs.mockImplementationOnce(async (params) =>
      params.types.flatMap((entry) =>
        Array.from({ length: entry.limit }, () => activeJob({ type: entry.type })),
      ),
    )
  return { backend, clock, fetcher, started, returned, errors, fill, free }
}

describe('Fetcher', () => {
  it('claims for the free slots of every type, capped by the instance', async () => {
    const { backend, fetcher } = setUp({
      types: [
        { type: 'a', concurrency: 3, leaseMs: 10_000 },
        { type: 'b', concurrency: 5, leaseMs: 20_000 },
      ],
      instanceConcurrency: 4,
    })
    fetcher.start()
    await flushTurns()
    expect(backend.claimJobs).toHaveBeenCalledTimes(1)
    expect(backend.claimJobs.mock.calls[0]?.[0]).toMatchObject({
      types: [
        { type: 'a', limit: 3, leaseMs: 10_000 },
        { type: 'b', limit: 4, leaseMs: 20_000 },
      ],
      limit: 4,
      workerId: 'w',
    })
  })

  it('after a full claim, claims again when slots free, coalescing frees of one tick', async () => {
    const { backend, fetcher, started, fill, free } = setUp()
    fill()
    fetcher.start()
    await flushTurns()
    expect(started).toHaveLength(2)
    free('work')
    free('work')
    await flushTurns()
    expect(backend.claimJobs).toHaveBeenCalledTimes(2)
    expect(backend.claimJobs.mock.calls[1]?.[0].limit).toBe(2)
  })

  it('after a short claim, idles until the poll interval', async () => {
    const { backend, clock, fetcher, free } = setUp({ pollIntervalMs: 1_000 })
    fetcher.start()
    await flushTurns()
    free('work')
    await flushTurns()
    expect(backend.claimJobs).toHaveBeenCalledTimes(1)
    await clock.advance(999)
    expect(backend.claimJobs).toHaveBeenCalledTimes(1)
    await clock.advance(1)
    expect(backend.claimJobs).toHaveBeenCalledTimes(2)
  })

  it('keeps one claim in flight and claims once more for wakes that came meanwhile', async () => {
    const { backend, fetcher } = setUp()
    let finish!: (jobs: Job[]) => void
    backend.claimJobs.mockImplementationOnce(() => new Promise((resolve) => (finish = resolve)))
    fetcher.start()
    await flushTurns()
    for (let index = 0; index < 5; index++) fetcher.wake({ type: 'work', runAt: new Date(0) })
    await flushTurns()
    expect(backend.claimJobs).toHaveBeenCalledTimes(1)
    finish([])
    await flushTurns()
    expect(backend.claimJobs).toHaveBeenCalledTimes(2)
  })

  it('sets one timer at a time, for the earliest wake due later, and ignores other types', async () => {
    const { backend, clock, fetcher } = setUp()
    fetcher.start()
    await flushTurns()
    const base = clock.now().getTime()
    fetcher.wake({ type: 'work', runAt: new Date(base + 3_000) })
    fetcher.wake({ type: 'work', runAt: new Date(base + 2_000) })
    fetcher.wake({ type: 'other', runAt: new Date(base) })
    await flushTurns()
    expect(backend.claimJobs).toHaveBeenCalledTimes(1)
    await clock.advance(2_000)
    expect(backend.claimJobs).toHaveBeenCalledTimes(2)
    expect(clock.pendingTimerCount).toBeGreaterThan(0)
    // The later wake is remembered: it claims at its own time, not at the next poll.
    await clock.advance(999)
    expect(backend.claimJobs).toHaveBeenCalledTimes(2)
    await clock.advance(1)
    expect(backend.claimJobs).toHaveBeenCalledTimes(3)
  })

  it("asks for the next due time from the claim's own now, not the time the claim came back", async () => {
    // A job that falls due during the claim's round trip was not claimed; asked "after the reply",
    // it would be skipped and wait for the poll.
    const { backend, clock, fetcher } = setUp({ pollIntervalMs: 3_600_000 })
    const claimedAt = clock.now()
    let reply: (jobs: Job[]) => void = () => {}
    backend.claimJobs.mockImplementationOnce(() => new Promise<Job[]>((resolve) => (reply = resolve)))
    fetcher.start()
    await flushTurns()
    await clock.advance(5) // the claim's round trip
    reply([])
    await flushTurns()
    expect(backend.claimJobs.mock.calls[0]?.[0].now).toEqual(claimedAt)
    expect(backend.nextDueAt.mock.calls[0]?.[0].now).toEqual(claimedAt)
  })

  it('after a short claim, asks when the next delayed job falls due and claims at that time', async () => {
    const { backend, clock, fetcher } = setUp({ pollIntervalMs: 3_600_000 })
    const dueAt = new Date(clock.now().getTime() + 500)
    backend.nextDueAt.mockResolvedValueOnce(dueAt)
    fetcher.start()
    await flushTurns()
    expect(backend.claimJobs).toHaveBeenCalledTimes(1)
    expect(backend.nextDueAt).toHaveBeenCalledTimes(1)
    expect(backend.nextDueAt.mock.calls[0]?.[0]).toMatchObject({ types: ['work'] })
    await clock.advance(499)
    expect(backend.claimJobs).toHaveBeenCalledTimes(1)
    await clock.advance(1)
    expect(backend.claimJobs).toHaveBeenCalledTimes(2)
    expect(backend.claimJobs.mock.calls[1]?.[0].now).toEqual(dueAt)
  })

  it('waits for a due time beyond the longest timer in steps, without claiming on the way', async () => {
    const { backend, clock, fetcher } = setUp({ pollIntervalMs: 3_600_000 })
    const delays: number[] = []
    const setTimer = clock.setTimeout.bind(clock)
    clock.setTimeout = (callback, delayMs) => {
      delays.push(delayMs)
      return setTimer(callback, delayMs)
    }
    const thirtyDaysMs = 30 * 24 * 3_600_000
    backend.nextDueAt.mockResolvedValue(new Date(clock.now().getTime() + thirtyDaysMs))
    fetcher.start()
    await flushTurns()
    expect(Math.max(...delays)).toBeLessThanOrEqual(MAX_TIMER_DELAY_MS)
    const claimsBefore = backend.claimJobs.mock.calls.length
    await clock.advance(MAX_TIMER_DELAY_MS)
    // Only the hourly polls claimed meanwhile, not the intermediate step of the long wait.
    expect(backend.claimJobs.mock.calls.length - claimsBefore).toBe(
      Math.floor(MAX_TIMER_DELAY_MS / 3_600_000),
    )
  })

  it('never holds a claim up for the next-due read, and keeps one read in flight', async () => {
    const { backend, fetcher } = setUp()
    const answers: Array<(value: Date | null) => void> = []
    backend.nextDueAt.mockImplementation(() => new Promise((resolve) => answers.push(resolve)))
    fetcher.start()
    await flushTurns()
    expect(backend.nextDueAt).toHaveBeenCalledTimes(1)
    // Two more short claims while the read is unanswered: they run, and ask for one read after it.
    fetcher.wake({ type: 'work', runAt: new Date(0) })
    await flushTurns()
    fetcher.wake({ type: 'work', runAt: new Date(0) })
    await flushTurns()
    expect(backend.claimJobs).toHaveBeenCalledTimes(3)
    expect(backend.nextDueAt).toHaveBeenCalledTimes(1)
    answers[0]!(null)
    await flushTurns()
    expect(backend.nextDueAt).toHaveBeenCalledTimes(2)
    answers[1]!(null)
    await flushTurns()
    expect(backend.nextDueAt).toHaveBeenCalledTimes(2)
    expect(fetcher.waitingOn).toEqual([])
  })

  it('does not ask for the next due time after a full claim', async () => {
    const { backend, fetcher, fill } = setUp()
    fill()
    fetcher.start()
    await flushTurns()
    expect(backend.claimJobs).toHaveBeenCalledTimes(1)
    expect(backend.nextDueAt).not.toHaveBeenCalled()
  })

  it('reports a failed next-due read and keeps polling', async () => {
    const { backend, clock, fetcher, errors } = setUp({ pollIntervalMs: 1_000 })
    backend.nextDueAt.mockRejectedValueOnce(new Error('down'))
    fetcher.start()
    await flushTurns()
    expect(errors).toEqual(['nextDueAt: down'])
    await clock.advance(1_000)
    expect(backend.claimJobs).toHaveBeenCalledTimes(2)
  })

  it('reports a failed claim and retries with capped exponential backoff', async () => {
    const { backend, clock, fetcher, errors } = setUp()
    backend.claimJobs.mockRejectedValueOnce(new Error('down')).mockRejectedValueOnce(new Error('still down'))
    fetcher.start()
    await flushTurns()
    expect(errors).toEqual(['claimJobs: down'])
    fetcher.wake({ type: 'work', runAt: new Date(0) })
    await flushTurns()
    expect(backend.claimJobs).toHaveBeenCalledTimes(1)
    await clock.advance(CLAIM_RETRY_BASE_MS)
    expect(backend.claimJobs).toHaveBeenCalledTimes(2)
    await clock.advance(CLAIM_RETRY_BASE_MS)
    expect(backend.claimJobs).toHaveBeenCalledTimes(2)
    await clock.advance(CLAIM_RETRY_BASE_MS)
    expect(backend.claimJobs).toHaveBeenCalledTimes(3)
    expect(errors).toHaveLength(2)
  })

  it('gives back jobs a claim returned after stop() began', async () => {
    const { backend, fetcher, started, returned } = setUp()
    let finish!: (jobs: Job[]) => void
    backend.claimJobs.mockImplementationOnce(() => new Promise((resolve) => (finish = resolve)))
    fetcher.start()
    await flushTurns()
    const stopping = fetcher.stop()
    finish([activeJob()])
    await stopping
    expect(started).toHaveLength(0)
    expect(returned).toHaveLength(1)
  })
})
