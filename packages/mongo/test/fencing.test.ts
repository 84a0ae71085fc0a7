import { useMongo } from '@durabl/mongo-server/harness'
import { describe, expect, it } from 'vitest'
import { MongoBackend } from '../src/index.js'

const mongo = await useMongo()

const newJob = (overrides = {}) => ({
  type: 'fenced',
  data: {},
  priority: 0,
  runAt: new Date(0),
  maxAttempts: 3,
  backoff: { type: 'fixed' as const, delayMs: 1_000 },
  timeoutMs: null,
  dedupeKey: null,
  dedupeScope: null,
  metadata: {},
  ...overrides,
})

describe('fencing across processes', () => {
  it('a worker whose lease expired cannot complete, and the new owner’s outcome stands', async () => {
    const db = await mongo.db()
    const clientB = await mongo.newClient()
    const workerA = new MongoBackend({ db })
    const workerB = new MongoBackend({ db: clientB.db(db.databaseName) })
    await workerA.startup()
    const t0 = Date.now()
    const [id] = await workerA.enqueueJobs({ jobs: [newJob()], now: new Date(t0) })
    const types = [{ type: 'fenced', limit: 1, leaseMs: 1_000 }]
    const [stale] = await workerA.claimJobs({ types, limit: 1, workerId: 'A', now: new Date(t0) })
    expect(stale?.id).toBe(id)

    // A stalls past its lease; B's recoverer returns the job, B claims it.
    expect(
      await workerB.recoverExpiredLeases({ now: new Date(t0 + 1_001), error: leaseError(t0 + 1_001) }),
    ).toEqual({
      recovered: 1,
      failed: 0,
      cancelled: 0,
    })
    const [current] = await workerB.claimJobs({ types, limit: 1, workerId: 'B', now: new Date(t0 + 1_002) })
    expect(current?.id).toBe(id)
    expect(current?.attempts).toBe(2)
    expect(current?.leaseToken).not.toBe(stale?.leaseToken)

    // A wakes up and tries every lease-guarded write, in one batch each; none applies.
    const staleRef = {
      id: stale!.id,
      leaseToken: stale!.leaseToken as string,
      dedupeKey: stale!.dedupeKey,
      dedupeScope: stale!.dedupeScope,
    }
    const now = new Date(t0 + 1_100)
    expect(await workerA.completeJobs({ jobs: [{ ...staleRef, result: 'A' }], now })).toEqual({
      applied: [],
      lost: [id],
    })
    expect(await workerA.heartbeatJobs({ jobs: [{ ...staleRef, leaseMs: 60_000 }], now })).toEqual({
      applied: [],
      lost: [id],
      cancelRequested: [],
    })
    expect(await workerA.releaseJobs({ jobs: [staleRef], now })).toEqual({
      applied: [],
      lost: [id],
      cancelRequested: [],
    })
    expect(
      await workerA.failJobs({
        jobs: [{ ...staleRef, error: { ...leaseError(t0), attempt: 1 }, retryAt: now }],
        now,
      }),
    ).toEqual({ retried: [], failed: [], lost: [id], cancelRequested: [] })

    const completed = await workerB.completeJobs({
      jobs: [{ id: current!.id, leaseToken: current!.leaseToken as string, result: 'B' }],
      now: new Date(t0 + 1_200),
    })
    expect(completed).toEqual({ applied: [id], lost: [] })
    expect(await workerA.getJob({ id: id as string })).toMatchObject({
      state: 'completed',
      result: 'B',
      attempts: 2,
    })
  })

  it('in a mixed batch, reports exactly which acknowledgements applied', async () => {
    const db = await mongo.db()
    const backend = new MongoBackend({ db })
    await backend.startup()
    const now = new Date()
    await backend.enqueueJobs({ jobs: [newJob(), newJob(), newJob()], now })
    const jobs = await backend.claimJobs({
      types: [{ type: 'fenced', limit: 3, leaseMs: 30_000 }],
      limit: 3,
      workerId: 'A',
      now,
    })
    expect(jobs).toHaveLength(3)
    const refs = jobs.map((job) => ({ id: job.id, leaseToken: job.leaseToken as string }))
    const stale = { ...refs[1]!, leaseToken: 'not-the-token' }
    const result = await backend.completeJobs({ jobs: [refs[0]!, stale, refs[2]!], now })
    expect(result.applied.sort()).toEqual([refs[0]!.id, refs[2]!.id].sort())
    expect(result.lost).toEqual([stale.id])
    const beat = await backend.heartbeatJobs({
      jobs: [
        { ...refs[1]!, leaseMs: 1_000 },
        { ...refs[0]!, leaseMs: 1_000 },
      ],
      now,
    })
    expect(beat).toEqual({ applied: [refs[1]!.id], lost: [refs[0]!.id], cancelRequested: [] })
  })
})

function leaseError(atMs: number) {
  return {
    name: 'LeaseExpiredError',
    message: 'the lease expired',
    code: null,
    stack: null,
    fatal: false,
    at: new Date(atMs),
  }
}
