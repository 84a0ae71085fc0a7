import { BackendError, PayloadError, ValidationError } from '@durabl/core'
import { useMongo } from '@durabl/mongo-server/harness'
import { MongoNetworkError, MongoServerError } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { MongoBackend, redact, toBackendError } from '../src/index.js'
import { newJob } from './support/new-job.js'

const mongo = await useMongo()

async function startedBackend(options: Partial<ConstructorParameters<typeof MongoBackend>[0]> = {}) {
  const backend = new MongoBackend({ db: await mongo.db(), ...options })
  await backend.startup()
  return backend
}

function expectValidation(error: unknown, field: string) {
  expect(ValidationError.isInstance(error), String(error)).toBe(true)
  expect((error as ValidationError).field).toBe(field)
}

describe('bad input never becomes a query operator', () => {
  it('rejects ids that are not 24-hex strings, naming field and value', async () => {
    const backend = await startedBackend()
    await backend.enqueueJobs({ jobs: [newJob()], now: new Date() })
    const attempts: Array<[() => Promise<unknown>, string]> = [
      [() => backend.getJob({ id: { $ne: null } as never }), 'id'],
      [() => backend.getJob({ id: 'not-an-id' }), 'id'],
      [() => backend.cancelJobs({ ids: [{ $gt: '' } as never], now: new Date() }), 'ids[0]'],
      [
        () =>
          backend.completeJobs({
            jobs: [{ id: { $exists: true } as never, leaseToken: 'x' }],
            now: new Date(),
          }),
        'jobs[0].id',
      ],
      [
        () =>
          backend.completeJobs({
            jobs: [{ id: '0123456789abcdef01234567', leaseToken: { $ne: null } as never }],
            now: new Date(),
          }),
        'jobs[0].leaseToken',
      ],
      [() => backend.listJobs({ limit: 10, cursor: { $gt: '' } as never }), 'cursor'],
    ]
    for (const [attempt, field] of attempts) {
      const error = await attempt().catch((caught: unknown) => caught)
      expectValidation(error, field)
    }
    const message = await backend.getJob({ id: 'nope' }).catch((error: Error) => error.message)
    expect(message).toBe('id must be a 24-character hex string (a job id), got "nope"')
  })

  it('rejects keys, types and states that are objects', async () => {
    const backend = await startedBackend()
    const now = new Date()
    const attempts: Array<[() => Promise<unknown>, string]> = [
      [
        () => backend.listJobs({ limit: 10, filter: { dedupeKey: { $ne: null } as never } }),
        'filter.dedupeKey',
      ],
      [() => backend.listJobs({ limit: 10, filter: { type: { $regex: '.' } as never } }), 'filter.type'],
      [() => backend.removeJobs({ filter: { state: { $ne: 'active' } as never }, now }), 'filter.state'],
      [
        () =>
          backend.enqueueJobs({
            jobs: [newJob({ dedupeKey: { $gt: '' } as never, dedupeScope: 'pending' })],
            now,
          }),
        'jobs[0].dedupeKey',
      ],
      [
        () =>
          backend.claimJobs({
            types: [{ type: { $ne: '' } as never, limit: 1, leaseMs: 1_000 }],
            limit: 1,
            workerId: 'w',
            now,
          }),
        'types[0].type',
      ],
      [() => backend.getStats({ type: { $ne: '' } as never, now }), 'type'],
    ]
    for (const [attempt, field] of attempts)
      expectValidation(await attempt().catch((caught: unknown) => caught), field)
    expect((await backend.listJobs({ limit: 10 })).jobs).toEqual([])
  })

  it('refuses a job whose document is over maxDocumentBytes, with a clear error', async () => {
    const backend = await startedBackend({ maxDocumentBytes: 10_000 })
    const error = await backend
      .enqueueJobs({ jobs: [newJob(), newJob({ data: { blob: 'x'.repeat(20_000) } })], now: new Date() })
      .catch((caught: unknown) => caught)
    expect(PayloadError.isInstance(error)).toBe(true)
    expect((error as PayloadError).path).toBe('jobs[1].data')
    expect((error as Error).message).toMatch(/more than maxDocumentBytes \(10000\)/)
    expect((await backend.listJobs({ limit: 10 })).jobs).toEqual([])
  })

  it('stores $-prefixed and dotted keys in data as plain data', async () => {
    const backend = await startedBackend()
    const data = { $where: 'sleep(1000)', nested: { $gt: 1 } }
    const [id] = await backend.enqueueJobs({ jobs: [newJob({ data })], now: new Date() })
    expect((await backend.getJob({ id: id as string }))?.data).toEqual(data)
  })
})

describe('errors', () => {
  it('redacts credentials from connection strings', () => {
    expect(
      redact('failed to connect to mongodb+srv://app:s3cret@cluster0.example.net/db?authSource=admin'),
    ).toBe('failed to connect to mongodb+srv://***@cluster0.example.net/db?authSource=admin')
    expect(redact('mongodb://h:27017/?password=hunter2&w=1')).toBe('mongodb://h:27017/?password=***&w=1')
  })

  it('wraps driver errors in BackendError, redacted, transient for retryable ones', () => {
    const network = toBackendError(
      'claimJobs',
      new MongoNetworkError('connection to mongodb://u:pw@db:27017 closed'),
    )
    expect(BackendError.isInstance(network)).toBe(true)
    expect((network as BackendError).transient).toBe(true)
    expect(network.message).not.toContain('pw')
    expect(String((network.cause as Error).message)).not.toContain('pw')
    const steppedDown = toBackendError(
      'completeJobs',
      new MongoServerError({ message: 'not primary', code: 10107 }),
    )
    expect((steppedDown as BackendError).transient).toBe(true)
    const badQuery = toBackendError('listJobs', new MongoServerError({ message: 'bad', code: 2 }))
    expect((badQuery as BackendError).transient).toBe(false)
  })

  it('keeps a queue alive through a step-down: writes fail as transient, then succeed', async (context) => {
    mongo.require(context, 'inProcessServer')
    const client = await mongo.newClient({ retryWrites: false, serverSelectionTimeoutMS: 2_000 })
    const backend = new MongoBackend({ db: client.db((await mongo.db()).databaseName) })
    await backend.startup()
    mongo.server!.faults.notPrimary(500)
    const error = await backend
      .enqueueJobs({ jobs: [newJob()], now: new Date() })
      .catch((caught: unknown) => caught)
    mongo.server!.faults.clear()
    expect(BackendError.isInstance(error), String(error)).toBe(true)
    expect((error as BackendError).transient).toBe(true)
    const [id] = await backend.enqueueJobs({ jobs: [newJob()], now: new Date() })
    expect(typeof id).toBe('string')
  })
})
