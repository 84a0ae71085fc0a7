import type { Job, JobError, PushStatus, PushWake } from '@durabl/core'
import { useMongo } from '@durabl/mongo-server/harness'
import { describe, expect, it } from 'vitest'
import { MongoBackend, type MongoBackendOptions } from '../src/index.js'
import { newJob } from './support/new-job.js'
import { waitUntil } from './support/wait-until.js'

const mongo = await useMongo()
const T0 = Date.parse('2040-01-01T00:00:00Z')
const at = (offsetMs: number) => new Date(T0 + offsetMs)
/** What an ending write names: the lease, and the dedupe key and scope as claimed. */
const endingRef = (job: Job) => ({
  id: job.id,
  leaseToken: job.leaseToken as string,
  dedupeKey: job.dedupeKey,
  dedupeScope: job.dedupeScope,
})

async function startedBackend(options: Partial<MongoBackendOptions> = {}) {
  const backend = new MongoBackend({ db: await mongo.db(), ...options })
  await backend.startup()
  return backend
}

function claim(
  backend: MongoBackend,
  types: Array<[string, number]>,
  limit: number,
  now = at(0),
  leaseMs = 10_000,
) {
  return backend.claimJobs({
    types: types.map(([type, typeLimit]) => ({ type, limit: typeLimit, leaseMs })),
    limit,
    workerId: 'w',
    now,
  })
}

const recoverError: Omit<JobError, 'attempt'> = {
  name: 'LeaseExpiredError',
  message: 'lease expired',
  code: 'LEASE_EXPIRED',
  stack: null,
  fatal: false,
  at: at(0),
}

describe('claimJobs', () => {
  it('skips a job whose key is running and fills the batch with others', async () => {
    const backend = await startedBackend()
    await backend.enqueueJobs({ jobs: [newJob({ dedupeKey: 'k', dedupeScope: 'pending' })], now: at(0) })
    const [running] = await claim(backend, [['job', 10]], 1)
    await backend.enqueueJobs({
      jobs: [newJob({ dedupeKey: 'k', dedupeScope: 'pending', priority: -5 }), newJob(), newJob()],
      now: at(1),
    })
    const claimed = await claim(backend, [['job', 10]], 2, at(2))
    expect(claimed).toHaveLength(2)
    expect(claimed.every((job) => job.dedupeKey === null)).toBe(true)
    expect(running?.dedupeKey).toBe('k')
  })

  it('honours per-type limits and the overall limit in one claim', async () => {
    const backend = await startedBackend()
    await backend.enqueueJobs({
      jobs: [
        ...Array.from({ length: 5 }, () => newJob({ type: 'a' })),
        ...Array.from({ length: 5 }, () => newJob({ type: 'b', runAt: at(10) })),
      ],
      now: at(0),
    })
    const claimed = await claim(
      backend,
      [
        ['a', 2],
        ['b', 3],
      ],
      4,
      at(20),
    )
    const count = (type: string) => claimed.filter((job) => job.type === type).length
    expect(count('a')).toBe(2)
    expect(count('b')).toBe(2)
    const rest = await claim(
      backend,
      [
        ['a', 10],
        ['b', 10],
      ],
      10,
      at(20),
    )
    expect(rest).toHaveLength(6)
  })

  it('sets a fresh lease per job and leaseExpiresAt from the caller’s now and the type’s leaseMs', async () => {
    const backend = await startedBackend()
    await backend.enqueueJobs({ jobs: [newJob({ type: 'a' }), newJob({ type: 'b' })], now: at(0) })
    const claimed = await backend.claimJobs({
      types: [
        { type: 'a', limit: 1, leaseMs: 1_000 },
        { type: 'b', limit: 1, leaseMs: 5_000 },
      ],
      limit: 2,
      workerId: 'w',
      now: at(100),
    })
    const byType = new Map(claimed.map((job) => [job.type, job]))
    expect(byType.get('a')?.leaseExpiresAt?.getTime()).toBe(T0 + 1_100)
    expect(byType.get('b')?.leaseExpiresAt?.getTime()).toBe(T0 + 5_100)
    expect(byType.get('a')?.leaseToken).not.toBe(byType.get('b')?.leaseToken)
    expect(await backend.getJob({ id: byType.get('a')!.id })).toEqual(byType.get('a'))
  })
})

describe('recoverExpiredLeases', () => {
  it('returns expired leases to pending or failed, reports both counts and records each job’s attempt', async () => {
    const backend = await startedBackend({ maxErrorHistory: 2 })
    await backend.enqueueJobs({ jobs: [newJob({ maxAttempts: 1 }), newJob({ maxAttempts: 5 })], now: at(0) })
    // Three expiries of the 5-attempt job fill its capped error history.
    let now = 0
    for (let round = 0; round < 3; round++) {
      await claim(backend, [['job', 10]], 10, at(now), 1_000)
      now += 2_000
      const result = await backend.recoverExpiredLeases({ now: at(now), error: recoverError })
      expect(result).toEqual(
        round === 0 ? { recovered: 1, failed: 1, cancelled: 0 } : { recovered: 1, failed: 0, cancelled: 0 },
      )
    }
    const jobs = (await backend.listJobs({ limit: 10 })).jobs
    const failed = jobs.find((job) => job.maxAttempts === 1)!
    const retried = jobs.find((job) => job.maxAttempts === 5)!
    expect(failed).toMatchObject({ state: 'failed', attempts: 1, leaseToken: null })
    expect(failed.lastError).toMatchObject({ attempt: 1, fatal: true, code: 'LEASE_EXPIRED' })
    expect(retried).toMatchObject({ state: 'pending', attempts: 3, workerId: null })
    expect(retried.runAt.getTime()).toBe(T0 + 6_000)
    expect(retried.errors.map((error) => error.attempt)).toEqual([2, 3])
    expect(await backend.recoverExpiredLeases({ now: at(now), error: recoverError })).toEqual({
      recovered: 0,
      failed: 0,
      cancelled: 0,
    })
  })

  it('never lets a string in the error act as a field path or operator', async () => {
    const backend = await startedBackend()
    await backend.enqueueJobs({ jobs: [newJob()], now: at(0) })
    await claim(backend, [['job', 1]], 1, at(0), 1_000)
    await backend.recoverExpiredLeases({
      now: at(5_000),
      error: { ...recoverError, message: '$type', name: '$$ROOT' },
    })
    const [job] = (await backend.listJobs({ limit: 1 })).jobs
    expect(job?.lastError).toMatchObject({ message: '$type', name: '$$ROOT', attempt: 1 })
  })
})

describe('retention and purge', () => {
  it('sets expiresAt from the retention of the final state, and none with null', async () => {
    const backend = await startedBackend({ retention: { completedMs: 1_000, failedMs: null } })
    await backend.enqueueJobs({ jobs: [newJob(), newJob()], now: at(0) })
    const [first, second] = await claim(backend, [['job', 2]], 2)
    await backend.completeJobs({
      jobs: [{ id: first!.id, leaseToken: first!.leaseToken as string }],
      now: at(10),
    })
    await backend.failJobs({
      jobs: [
        {
          ...endingRef(second!),
          error: { ...recoverError, attempt: 1 },
          retryAt: null,
        },
      ],
      now: at(10),
    })
    const raw = await backend.collection.find({}, { projection: { state: 1, expiresAt: 1 } }).toArray()
    const byState = new Map(raw.map((document) => [document.state, document]))
    expect(byState.get('completed')?.expiresAt?.getTime()).toBe(T0 + 1_010)
    expect(byState.get('failed')?.expiresAt ?? null).toBeNull()
  })

  it('lets the TTL index delete finished jobs once they expire', async (context) => {
    mongo.require(context, 'inProcessServer')
    const backend = await startedBackend({ retention: { completedMs: 0 } })
    const now = new Date(Date.now() - 10_000)
    await backend.enqueueJobs({ jobs: [newJob(), newJob({ runAt: new Date(Date.now() + 3_600_000) })], now })
    const [job] = await claim(backend, [['job', 1]], 1, now)
    await backend.completeJobs({ jobs: [{ id: job!.id, leaseToken: job!.leaseToken as string }], now })
    expect(mongo.server!.expireNow()).toBe(1)
    expect((await backend.getStats({ now: new Date() })).total).toMatchObject({ completed: 0, pending: 1 })
  })

  it('purges finished jobs by state and finish time', async () => {
    const backend = await startedBackend()
    await backend.enqueueJobs({ jobs: [newJob(), newJob(), newJob()], now: at(0) })
    const [a, b] = await claim(backend, [['job', 2]], 2)
    await backend.completeJobs({ jobs: [{ id: a!.id, leaseToken: a!.leaseToken as string }], now: at(10) })
    await backend.completeJobs({ jobs: [{ id: b!.id, leaseToken: b!.leaseToken as string }], now: at(30) })
    expect(await backend.purgeJobs({ state: 'completed', finishedBefore: at(20) })).toBe(1)
    expect(await backend.purgeJobs({ finishedBefore: at(40) })).toBe(1)
    expect((await backend.getStats({ now: at(40) })).total).toMatchObject({ completed: 0, pending: 1 })
    await expect(backend.purgeJobs({ state: 'active' as never, finishedBefore: at(40) })).rejects.toThrow(
      /state/,
    )
  })
})

describe('push', () => {
  it('wakes with the type for inserts, without it for retries, and filters types on the server', async (context) => {
    mongo.require(context, 'changeStreams')
    const backend = await startedBackend()
    const wakes: PushWake[] = []
    const statuses: PushStatus[] = []
    const subscription = await backend.subscribe!({
      types: ['job'],
      onWake: (wake) => wakes.push(wake),
      onStatus: (status) => statuses.push(status),
    })
    try {
      await waitUntil(() => statuses.length > 0, 'the stream to open')
      expect(statuses).toEqual([{ state: 'connected' }])
      // 'connected' itself asks the runtime for a catch-up claim: no wake is sent for it.
      expect(wakes).toEqual([])
      await backend.enqueueJobs({ jobs: [newJob({ type: 'other' }), newJob({ runAt: at(5) })], now: at(0) })
      await waitUntil(() => wakes.length > 0, 'a wake for the insert')
      expect(wakes).toEqual([{ type: 'job', runAt: at(5) }])
      const [job] = await claim(backend, [['job', 1]], 1, at(10))
      await backend.failJobs({
        jobs: [
          {
            ...endingRef(job!),
            error: { ...recoverError, attempt: 1 },
            retryAt: at(99),
          },
        ],
        now: at(20),
      })
      await waitUntil(() => wakes.length > 1, 'a wake for the retry')
      expect(wakes[1]).toEqual({ runAt: at(99) })
    } finally {
      await subscription.close()
    }
  })

  it("reports one fallback on a standalone server with 'auto', and startup throws with true", async () => {
    const { startMongoServer } = await import('@durabl/mongo-server')
    const server = await startMongoServer({ replSet: false })
    const { MongoClient } = await import('mongodb')
    const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5_000 })
    try {
      await client.connect()
      const db = client.db('standalone')
      const strict = new MongoBackend({ db, useChangeStreams: true })
      await expect(strict.startup()).rejects.toThrow(
        /useChangeStreams is true but the server is a standalone mongod/,
      )
      const auto = new MongoBackend({ db, useChangeStreams: 'auto' })
      await auto.startup()
      expect(auto.capabilities.push).toBe(true)
      const statuses: PushStatus[] = []
      const subscription = await auto.subscribe!({
        types: ['job'],
        onWake: () => {},
        onStatus: (status) => statuses.push(status),
      })
      await waitUntil(() => statuses.length > 0, 'the fallback status')
      expect(statuses).toHaveLength(1)
      expect(statuses[0]).toMatchObject({ state: 'fallback' })
      await subscription.close()
      const off = new MongoBackend({ db, useChangeStreams: false })
      expect(off.capabilities.push).toBe(false)
      expect(off.subscribe).toBeUndefined()
    } finally {
      await client.close()
      await server.stop()
    }
  })
})

describe("'pending'-scope jobs returning to pending", () => {
  const keyed = () => newJob({ dedupeKey: 'sync', dedupeScope: 'pending' })
  const error = { ...recoverError, attempt: 1 }

  it('take the queued slot back when it is free (retry, release, recovery)', async () => {
    const backend = await startedBackend()
    const enqueue = async (now: Date) => (await backend.enqueueJobs({ jobs: [keyed()], now }))[0] ?? null

    expect(typeof (await enqueue(at(0)))).toBe('string')
    let [job] = await claim(backend, [['job', 1]], 1, at(0), 1_000)
    await backend.failJobs({
      jobs: [{ ...endingRef(job!), error, retryAt: at(10) }],
      now: at(1),
    })
    expect(await enqueue(at(2))).toBeNull()

    ;[job] = await claim(backend, [['job', 1]], 1, at(10), 1_000)
    await backend.releaseJobs({ jobs: [endingRef(job!)], now: at(11) })
    expect(await enqueue(at(12))).toBeNull()

    ;[job] = await claim(backend, [['job', 1]], 1, at(20), 1_000)
    expect(await backend.recoverExpiredLeases({ now: at(5_000), error: recoverError })).toEqual({
      recovered: 1,
      failed: 0,
      cancelled: 0,
    })
    expect(await enqueue(at(5_001))).toBeNull()
    expect((await backend.getStats({ now: at(5_001) })).total).toMatchObject({ pending: 1, active: 0 })
  })

  it('stay pending beside the job queued behind them, and the two still run one at a time', async () => {
    const backend = await startedBackend()
    await backend.enqueueJobs({ jobs: [keyed()], now: at(0) })
    const [running] = await claim(backend, [['job', 1]], 1, at(0))
    const [queued] = await backend.enqueueJobs({ jobs: [keyed()], now: at(1) })
    expect(typeof queued).toBe('string')
    const failed = await backend.failJobs({
      jobs: [{ ...endingRef(running!), error, retryAt: at(2) }],
      now: at(2),
    })
    expect(failed.retried).toEqual([running!.id])
    expect((await backend.getStats({ now: at(3) })).total).toMatchObject({ pending: 2 })
    const first = await claim(backend, [['job', 10]], 10, at(3))
    expect(first).toHaveLength(1)
    expect(await claim(backend, [['job', 10]], 10, at(3))).toEqual([])
    await backend.completeJobs({
      jobs: [{ id: first[0]!.id, leaseToken: first[0]!.leaseToken as string }],
      now: at(4),
    })
    expect(await claim(backend, [['job', 10]], 10, at(5))).toHaveLength(1)
  })
})
