import {
  BackendError,
  type Job,
  type NewJob,
  type PushWake,
  QueueStateError,
  ValidationError,
} from '@durabl/core'
import { describe, expect, it } from 'vitest'
import { MemoryBackend } from './memory-backend.js'

const now = new Date('2040-01-01T00:00:00.000Z')
const later = (ms: number) => new Date(now.getTime() + ms)

function newJob(overrides: Partial<NewJob> = {}): NewJob {
  return {
    type: 'email',
    data: { to: 'a@example.com' },
    priority: 0,
    runAt: now,
    maxAttempts: 3,
    backoff: { type: 'fixed', delayMs: 1_000 },
    timeoutMs: null,
    dedupeKey: null,
    dedupeScope: null,
    metadata: {},
    ...overrides,
  }
}

const claimParams = (overrides: Record<string, unknown> = {}) => ({
  types: [{ type: 'email', limit: 10, leaseMs: 1_000 }],
  limit: 10,
  workerId: 'worker',
  now,
  ...overrides,
})

async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve))
}

/** The lease and dedupe ref an ending write names. */
function refOf(job: Job) {
  return {
    id: job.id,
    leaseToken: job.leaseToken as string,
    dedupeKey: job.dedupeKey,
    dedupeScope: job.dedupeScope,
  }
}

describe('MemoryBackend options', () => {
  it('defaults the caps and rejects caps below 1', () => {
    expect(new MemoryBackend().options).toEqual({ maxErrorHistory: 10, maxLogEntries: 50 })
    expect(() => new MemoryBackend({ maxLogEntries: 0 })).toThrow(
      'maxLogEntries must be an integer >= 1, got 0',
    )
    expect(() => new MemoryBackend({ maxErrorHistory: 1.5 })).toThrow(ValidationError)
  })
})

describe('MemoryBackend validation', () => {
  it('names the field and value of a bad claim limit', async () => {
    const backend = new MemoryBackend()
    const error = await backend.claimJobs(claimParams({ limit: 0 })).catch((caught: unknown) => caught)
    expect(ValidationError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({ field: 'claimJobs.limit', value: 0 })
    await expect(
      backend.claimJobs(claimParams({ types: [{ type: 'email', limit: -1, leaseMs: 1_000 }] })),
    ).rejects.toThrow('claimJobs.types[0].limit must be an integer >= 0, got -1')
    await expect(backend.claimJobs(claimParams({ now: new Date(Number.NaN) }))).rejects.toThrow(
      'claimJobs.now must be a valid Date, got Invalid Date',
    )
  })

  it('rejects a bad job field, a bad list limit and a foreign cursor', async () => {
    const backend = new MemoryBackend()
    await expect(backend.enqueueJobs({ jobs: [newJob({ priority: Number.NaN })], now })).rejects.toThrow(
      'enqueueJobs.jobs[0].priority must be a finite integer, got NaN',
    )
    await expect(backend.listJobs({ limit: 0 })).rejects.toThrow(
      'listJobs.limit must be a positive integer, got 0',
    )
    await expect(backend.listJobs({ limit: 1, cursor: 'nope' })).rejects.toThrow(ValidationError)
  })

  it('reports data that cannot be copied as a PayloadError', async () => {
    const backend = new MemoryBackend()
    await expect(
      backend.enqueueJobs({ jobs: [newJob({ data: { callback: () => 1 } })], now }),
    ).rejects.toMatchObject({
      code: 'INVALID_PAYLOAD',
    })
  })
})

describe('MemoryBackend copies', () => {
  it('returns copies of claimed jobs', async () => {
    const backend = new MemoryBackend()
    const [id] = await backend.enqueueJobs({ jobs: [newJob()], now })
    const [claimed] = await backend.claimJobs(claimParams())
    claimed!.state = 'completed'
    ;(claimed!.data as { to: string }).to = 'changed'
    expect(await backend.getJob({ id: id! })).toMatchObject({
      state: 'active',
      data: { to: 'a@example.com' },
    })
  })
})

describe('MemoryBackend sessions', () => {
  it('writes nothing until commit and drops everything on abort', async () => {
    const backend = new MemoryBackend()
    const session = backend.startSession()
    expect(session.inTransaction).toBe(true)
    const [id] = await backend.enqueueJobs({ jobs: [newJob()], session, now })
    expect(await backend.getJob({ id: id! })).toBeNull()
    await session.commitTransaction()
    expect(await backend.getJob({ id: id! })).not.toBeNull()

    session.startTransaction()
    const [dropped] = await backend.enqueueJobs({ jobs: [newJob()], session, now })
    await session.abortTransaction()
    await session.endSession()
    expect(await backend.getJob({ id: dropped! })).toBeNull()
    expect(session.hasEnded).toBe(true)
    expect(() => session.startTransaction()).toThrow(QueueStateError)
  })

  it('dedupes inside the transaction against committed and staged jobs', async () => {
    const backend = new MemoryBackend()
    await backend.enqueueJobs({
      jobs: [newJob({ dedupeKey: 'committed', dedupeScope: 'pending+active' })],
      now,
    })
    const session = backend.startSession()
    const ids = await backend.enqueueJobs({
      jobs: [
        newJob({ dedupeKey: 'committed', dedupeScope: 'pending+active' }),
        newJob({ dedupeKey: 'staged', dedupeScope: 'pending+active' }),
        newJob({ dedupeKey: 'staged', dedupeScope: 'pending+active' }),
      ],
      session,
      now,
    })
    expect(ids.map((id) => id !== null)).toEqual([false, true, false])
    await session.commitTransaction()
  })

  it('fails the whole commit when a staged key was taken meanwhile', async () => {
    const backend = new MemoryBackend()
    const session = backend.startSession()
    const [unkeyed, keyed] = await backend.enqueueJobs({
      jobs: [newJob(), newJob({ dedupeKey: 'race', dedupeScope: 'pending+active' })],
      session,
      now,
    })
    const [outside] = await backend.enqueueJobs({
      jobs: [newJob({ dedupeKey: 'race', dedupeScope: 'pending+active' })],
      now,
    })
    const error = await session.commitTransaction().catch((caught: unknown) => caught)
    expect(BackendError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({ transient: true, operation: 'commitTransaction' })
    expect((error as Error).message).toContain(`held by job ${outside}`)
    expect(await backend.getJob({ id: unkeyed! })).toBeNull()
    expect(await backend.getJob({ id: keyed! })).toBeNull()
    expect(session.inTransaction).toBe(false)
  })

  it("rejects another backend's session and a session with no open transaction", async () => {
    const backend = new MemoryBackend()
    const foreign = new MemoryBackend().startSession()
    await expect(backend.enqueueJobs({ jobs: [newJob()], session: foreign, now })).rejects.toThrow(
      'enqueueJobs.session must be a MemorySession',
    )
    await expect(backend.enqueueJobs({ jobs: [newJob()], session: { fake: true }, now })).rejects.toThrow(
      ValidationError,
    )
    const session = backend.startSession()
    await session.commitTransaction()
    await expect(backend.enqueueJobs({ jobs: [newJob()], session, now })).rejects.toThrow(QueueStateError)
  })
})

describe('MemoryBackend push', () => {
  it('reports connected, wakes after enqueue, retry, release, recovery and rerun, and stops after close', async () => {
    const backend = new MemoryBackend()
    const wakes: PushWake[] = []
    const statuses: string[] = []
    const subscription = await backend.subscribe({
      types: ['email'],
      onWake: (wake) => wakes.push(wake),
      onStatus: (status) => statuses.push(status.state),
    })
    expect(statuses).toEqual(['connected'])
    const [id] = await backend.enqueueJobs({
      jobs: [newJob({ runAt: later(5) }), newJob({ type: 'sms' })],
      now,
    })
    await settle()
    expect(wakes).toEqual([{ type: 'email', runAt: later(5) }])

    const lease = async (at: Date) => (await backend.claimJobs(claimParams({ now: at })))[0]!
    let job = await lease(later(5))
    await backend.failJobs({
      jobs: [{ ...refOf(job), error: errorAt(1), retryAt: later(100) }],
      now: later(6),
    })
    job = await lease(later(100))
    await backend.releaseJobs({ jobs: [refOf(job)], now: later(101) })
    await lease(later(102))
    await backend.recoverExpiredLeases({ now: later(5_000), error: { ...errorAt(0), name: 'LeaseExpired' } })
    await backend.cancelJobs({ ids: [id!], now: later(5_001) })
    await backend.retryJobs({ ids: [id!], now: later(5_002) })
    await settle()
    expect(wakes.slice(1).map((wake) => wake.runAt.getTime() - now.getTime())).toEqual([
      100, 101, 5_000, 5_002,
    ])

    await subscription.close()
    await backend.enqueueJobs({ jobs: [newJob()], now })
    await settle()
    expect(wakes).toHaveLength(5)
  })

  it('wakes the waiting job of a key when the active one finishes', async () => {
    const backend = new MemoryBackend()
    const keyed = newJob({ dedupeKey: 'k', dedupeScope: 'pending' })
    await backend.enqueueJobs({ jobs: [keyed], now })
    const [running] = await backend.claimJobs(claimParams())
    await backend.enqueueJobs({ jobs: [keyed], now })
    const wakes: PushWake[] = []
    await backend.subscribe({ types: [], onWake: (wake) => wakes.push(wake), onStatus: () => {} })
    await backend.completeJobs({
      jobs: [{ id: running!.id, leaseToken: running!.leaseToken! }],
      now: later(50),
    })
    await settle()
    expect(wakes).toEqual([{ type: 'email', runAt: later(50) }])
  })

  it('closes subscriptions at shutdown', async () => {
    const backend = new MemoryBackend()
    const wakes: PushWake[] = []
    await backend.subscribe({ types: ['email'], onWake: (wake) => wakes.push(wake), onStatus: () => {} })
    await backend.shutdown()
    await backend.enqueueJobs({ jobs: [newJob()], now })
    await settle()
    expect(wakes).toEqual([])
  })
})

describe('MemoryBackend dedupe with mixed scopes', () => {
  it("blocks a 'pending' job behind an active 'pending+active' one", async () => {
    const backend = new MemoryBackend()
    await backend.enqueueJobs({ jobs: [newJob({ dedupeKey: 'k', dedupeScope: 'pending+active' })], now })
    await backend.claimJobs(claimParams())
    const [id] = await backend.enqueueJobs({
      jobs: [newJob({ dedupeKey: 'k', dedupeScope: 'pending' })],
      now,
    })
    expect(id).toBeNull()
  })

  it('lets a retried job back to pending even when another pending job holds its key', async () => {
    const backend = new MemoryBackend()
    const keyed = newJob({ dedupeKey: 'k', dedupeScope: 'pending' })
    const [first] = await backend.enqueueJobs({ jobs: [keyed], now })
    const [running] = await backend.claimJobs(claimParams())
    const [second] = await backend.enqueueJobs({ jobs: [keyed], now })
    const result = await backend.failJobs({
      jobs: [{ ...refOf(running!), error: errorAt(1), retryAt: now }],
      now,
    })
    expect(result.retried).toEqual([first])
    // Both wait; only one runs at a time.
    const claimed = await backend.claimJobs(claimParams())
    expect(claimed.map((job) => job.id)).toEqual([first])
    expect((await backend.getJob({ id: second! }))?.state).toBe('pending')
  })
})

function errorAt(attempt: number) {
  return { attempt, name: 'Error', message: 'boom', code: null, stack: null, fatal: false, at: now }
}
