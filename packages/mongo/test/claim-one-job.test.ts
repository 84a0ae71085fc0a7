import { useMongo } from '@durabl/mongo-server/harness'
import type { CommandStartedEvent } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { MongoBackend } from '../src/index.js'
import { newJob } from './support/new-job.js'

/**
 * A claim for one job is one findAndModify (docs/decisions/0006-single-job-claims.md).
 *
 * mongod behaviour relied on: findAndModify with `sort` selects the first matching document in
 * that order and applies the update atomically to it; an update given as a pipeline may read the
 * document's own fields (`$dedupeKey`, `$attempts`); a write that would duplicate a key in a
 * unique index fails with code 11000 and changes nothing (MongoDB manual: "findAndModify",
 * "Updates with Aggregation Pipeline", "Unique Indexes").
 */
const mongo = await useMongo()
const T0 = Date.parse('2040-01-01T00:00:00Z')
const at = (offsetMs: number) => new Date(T0 + offsetMs)

async function monitoredBackend() {
  const db = await mongo.db()
  const client = await mongo.newClient({ monitorCommands: true })
  const commands: CommandStartedEvent[] = []
  client.on('commandStarted', (event) => commands.push(event))
  const backend = new MongoBackend({ db: client.db(db.databaseName) })
  await backend.startup()
  commands.length = 0
  return { backend, commands }
}

describe('claiming one job', () => {
  it('takes the head in claim order with one command, writing the fenced lease', async () => {
    const { backend, commands } = await monitoredBackend()
    await backend.enqueueJobs({
      jobs: [newJob({ priority: 5 }), newJob({ priority: -1, dedupeKey: 'k', dedupeScope: 'pending' })],
      now: at(0),
    })
    commands.length = 0
    const [job] = await backend.claimJobs({
      types: [{ type: 'job', limit: 4, leaseMs: 7_000 }],
      limit: 1,
      workerId: 'w1',
      now: at(10),
    })
    expect(commands.map((event) => event.commandName)).toEqual(['findAndModify'])
    expect(job).toMatchObject({ priority: -1, state: 'active', attempts: 1, workerId: 'w1', dedupeKey: 'k' })
    expect(job?.leaseToken).toEqual(expect.any(String))
    expect(job?.leaseExpiresAt).toEqual(at(7_010))
    expect(await backend.getJob({ id: job!.id })).toMatchObject({ leaseToken: job!.leaseToken, attempts: 1 })
    // The key moved to its running slot: a second job with the key queues, a third is refused.
    const queued = newJob({ dedupeKey: 'k', dedupeScope: 'pending' })
    expect(await backend.enqueueJobs({ jobs: [queued, queued], now: at(11) })).toEqual([
      expect.any(String),
      null,
    ])
  })

  it('uses the lease of the claimed job’s own type when the open types differ', async () => {
    const { backend } = await monitoredBackend()
    await backend.enqueueJobs({ jobs: [newJob({ type: 'slow' })], now: at(0) })
    const [job] = await backend.claimJobs({
      types: [
        { type: 'fast', limit: 1, leaseMs: 1_000 },
        { type: 'slow', limit: 1, leaseMs: 60_000 },
      ],
      limit: 1,
      workerId: 'w',
      now: at(0),
    })
    expect(job?.type).toBe('slow')
    expect(job?.leaseExpiresAt).toEqual(at(60_000))
  })

  it('falls back to the batch claim when the head’s key is running, and skips the head', async () => {
    const { backend, commands } = await monitoredBackend()
    await backend.enqueueJobs({ jobs: [newJob({ dedupeKey: 'k', dedupeScope: 'pending' })], now: at(0) })
    const leases = [{ type: 'job', limit: 1, leaseMs: 10_000 }]
    const [running] = await backend.claimJobs({ types: leases, limit: 1, workerId: 'w', now: at(1) })
    await backend.enqueueJobs({
      jobs: [newJob({ dedupeKey: 'k', dedupeScope: 'pending', priority: -5 }), newJob()],
      now: at(2),
    })
    commands.length = 0
    const [next] = await backend.claimJobs({ types: leases, limit: 1, workerId: 'w', now: at(3) })
    expect(running?.dedupeKey).toBe('k')
    expect(next?.dedupeKey).toBeNull()
    expect(commands[0]?.commandName).toBe('findAndModify')
    expect(commands.length).toBeGreaterThan(1)
    expect((await backend.getStats({ now: at(4) })).total).toMatchObject({ active: 2, pending: 1 })
  })

  it('answers an empty queue with no job, in one command', async () => {
    const { backend, commands } = await monitoredBackend()
    const claimed = await backend.claimJobs({
      types: [{ type: 'job', limit: 1, leaseMs: 10_000 }],
      limit: 1,
      workerId: 'w',
      now: at(0),
    })
    expect(claimed).toEqual([])
    expect(commands.map((event) => event.commandName)).toEqual(['findAndModify'])
  })
})
