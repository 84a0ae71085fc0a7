import type { JobError } from '@durabl/core'
import { useMongo } from '@durabl/mongo-server/harness'
import { describe, expect, it } from 'vitest'
import { DOCUMENT_TOO_LARGE_ERROR_CODE, MONGO_DEFAULTS, MongoBackend } from '../src/index.js'
import { newJob } from './support/new-job.js'

// MongoDB refuses any document over 16 MiB (manual, "MongoDB Limits and Thresholds: BSON Document
// Size"); the driver refuses a bulk statement of 16 MiB or more before sending the bulk (driver
// bulk API, maxBsonObjectSize), which would fail every acknowledgement of the batch. durabl caps
// what it stores per error and log line, and ends an oversized job alone.
const mongo = await useMongo()
const T0 = Date.parse('2040-01-01T00:00:00Z')
const at = (offsetMs: number) => new Date(T0 + offsetMs)
const bytes = (text: string) => Buffer.byteLength(text, 'utf8')

async function claimedJobs(count: number, data: unknown = {}) {
  const backend = new MongoBackend({ db: await mongo.db(), useChangeStreams: false })
  await backend.startup()
  await backend.enqueueJobs({ jobs: Array.from({ length: count }, () => newJob({ data })), now: at(0) })
  const claimed = await backend.claimJobs({
    types: [{ type: 'job', limit: count, leaseMs: 60_000 }],
    limit: count,
    workerId: 'w',
    now: at(0),
  })
  return { backend, leases: claimed.map((job) => ({ id: job.id, leaseToken: job.leaseToken as string })) }
}

describe('size discipline', () => {
  it('caps stored error messages, stacks and log lines', async () => {
    const { backend, leases } = await claimedJobs(1)
    const [lease] = leases
    if (!lease) throw new Error('nothing claimed')
    const error: JobError = {
      attempt: 1,
      name: 'Error',
      message: 'é'.repeat(50_000),
      code: null,
      stack: 's'.repeat(100_000),
      fatal: false,
      at: at(1),
    }
    await backend.failJobs({
      jobs: [
        {
          ...lease,
          error,
          retryAt: at(2),
          dedupeKey: null,
          dedupeScope: null,
          logs: [{ attempt: 1, message: 'l'.repeat(20_000), at: at(1) }],
        },
      ],
      now: at(1),
    })
    const job = await backend.getJob({ id: lease.id })
    const stored = job?.lastError
    expect(bytes(stored?.message ?? '')).toBeLessThanOrEqual(MONGO_DEFAULTS.maxErrorMessageBytes)
    expect(stored?.message.startsWith('éé')).toBe(true)
    expect(stored?.message).toContain('cut by durabl')
    expect(bytes(stored?.stack ?? '')).toBeLessThanOrEqual(MONGO_DEFAULTS.maxErrorStackBytes)
    expect(bytes(job?.errors[0]?.message ?? '')).toBeLessThanOrEqual(MONGO_DEFAULTS.maxErrorMessageBytes)
    expect(bytes(job?.logs[0]?.message ?? '')).toBeLessThanOrEqual(MONGO_DEFAULTS.maxLogMessageBytes)
  })

  it('a result too large for a document fails that job alone; the rest of the batch completes', async () => {
    const { backend, leases } = await claimedJobs(3)
    const [small, huge, other] = leases
    if (!small || !huge || !other) throw new Error('expected three claimed jobs')
    const result = await backend.completeJobs({
      jobs: [
        { ...small, result: { ok: true } },
        { ...huge, result: 'x'.repeat(17 * 1024 * 1024) },
        { ...other, result: { ok: true } },
      ],
      now: at(1),
    })
    expect(result.applied.sort()).toEqual([small.id, other.id].sort())
    expect(result.lost).toEqual([huge.id])
    const failed = await backend.getJob({ id: huge.id })
    expect(failed?.state).toBe('failed')
    expect(failed?.lastError).toMatchObject({ code: DOCUMENT_TOO_LARGE_ERROR_CODE, fatal: true, attempt: 1 })
    expect(failed?.lastError?.message).toContain('16 MiB')
    expect((await backend.getJob({ id: small.id }))?.state).toBe('completed')
  })
})

describe('size discipline: heartbeats', () => {
  it('a heartbeat the server refuses for size (17419) still extends the lease, and is applied', async () => {
    // mongod refuses an update that would grow a document past 16 MiB with 17419 (manual, "MongoDB
    // Limits and Thresholds"); the statement alone fails. Progress of 9 MiB on a job that already
    // holds 8 MiB of data is under the driver's own limit, so only the server can refuse it.
    const { backend, leases } = await claimedJobs(1, 'd'.repeat(8 * 1024 * 1024))
    const [lease] = leases
    if (!lease) throw new Error('expected one claimed job')
    const result = await backend.heartbeatJobs({
      jobs: [{ ...lease, leaseMs: 60_000, progress: 'p'.repeat(9 * 1024 * 1024) }],
      now: at(1),
    })
    expect(result).toEqual({ applied: [lease.id], lost: [], cancelRequested: [] })
    const job = await backend.getJob({ id: lease.id })
    expect(job?.leaseExpiresAt?.getTime()).toBe(at(1).getTime() + 60_000)
    expect(job?.progress).toBeNull()
  })

  it('a heartbeat with oversized progress keeps the lease, without the progress, and the batch applies', async () => {
    const { backend, leases } = await claimedJobs(2)
    const [first, second] = leases
    if (!first || !second) throw new Error('expected two claimed jobs')
    const result = await backend.heartbeatJobs({
      jobs: [
        { ...first, leaseMs: 60_000, progress: 'p'.repeat(17 * 1024 * 1024) },
        { ...second, leaseMs: 60_000, progress: 0.5 },
      ],
      now: at(1),
    })
    expect(result.applied.sort()).toEqual([first.id, second.id].sort())
    expect((await backend.getJob({ id: first.id }))?.progress).toBeNull()
    expect((await backend.getJob({ id: second.id }))?.progress).toBe(0.5)
  })
})
