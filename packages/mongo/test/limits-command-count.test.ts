import type { ClaimTypeLimit, TypeLimits } from '@durabl/core'
import { useMongo } from '@durabl/mongo-server/harness'
import type { CommandStartedEvent } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { MongoBackend } from '../src/index.js'
import { durablOperationOf } from './support/classify-command.js'
import { newJob } from './support/new-job.js'

/**
 * The commands one claim batch costs with and without fleet-wide limits, counted by their
 * `comment: 'durabl:<operation>'` (driver command monitoring). A type without limits must cost
 * exactly what it cost before limits existed; a limited type at most the commands docs/limits.md
 * states: + 1 slot read per claim with a concurrency limit; + 1 command for the rate limits of the
 * batch's types (1 findAndModify for one limiter, a bulkWrite and a read for several), and as much
 * again for its keys' rate limits.
 *
 * mongod behaviour relied on: a `findAndModify` with an aggregation pipeline update (MongoDB 4.2+,
 * manual "findAndModify" → "Update with an Aggregation Pipeline") modifies the one document it
 * selects atomically, and with `upsert: true` inserts it when missing; a unique index with a
 * `partialFilterExpression` refuses a second document matching the filter with the same key
 * (E11000) and ignores documents the filter excludes (manual "Partial Indexes" → "Restrictions" /
 * "unique constraint"); `comment` is accepted on find, update and findAndModify (manual, each
 * command's `comment` field).
 */
const mongo = await useMongo()
const T0 = Date.parse('2040-01-01T00:00:00Z')
const at = (offsetMs: number) => new Date(T0 + offsetMs)

async function setUp() {
  const db = await mongo.db()
  const client = await mongo.newClient({ monitorCommands: true })
  const seen: CommandStartedEvent[] = []
  client.on('commandStarted', (event) => seen.push(event))
  const backend = new MongoBackend({ db: client.db(db.databaseName), useChangeStreams: false })
  await backend.startup()
  /** The commands `run` sends, as `command:operation`. */
  const commandsOf = async (run: () => Promise<unknown>): Promise<string[]> => {
    const from = seen.length
    await run()
    return seen.slice(from).map((event) => `${event.commandName}:${durablOperationOf(event)}`)
  }
  return { backend, commandsOf }
}

function claimOf(limits: TypeLimits | null, limit = 4): { types: ClaimTypeLimit[]; limit: number } {
  return { types: [{ type: 'job', limit, leaseMs: 30_000, limits }], limit }
}

describe('commands per claim batch with fleet-wide limits', () => {
  it('a type without limits costs what it always did: 2 commands per batch, 1 for a single job', async () => {
    const { backend, commandsOf } = await setUp()
    await backend.enqueueJobs({
      jobs: Array.from({ length: 10 }, () => newJob({ limitKey: 'k' })),
      now: at(0),
    })
    for (const limits of [null, {}]) {
      const batch = await commandsOf(() =>
        backend.claimJobs({ ...claimOf(limits), workerId: 'w', now: at(1) }),
      )
      expect(batch).toEqual(['find:claimJobs', 'update:claimJobs'])
      const single = await commandsOf(() =>
        backend.claimJobs({ ...claimOf(limits, 1), workerId: 'w', now: at(1) }),
      )
      expect(single).toEqual(['findAndModify:claimOneJob'])
    }
  })

  it('a concurrency limit adds one slot read per claim; a full type costs that read only', async () => {
    const { backend, commandsOf } = await setUp()
    await backend.enqueueJobs({
      jobs: Array.from({ length: 10 }, () => newJob({ limitKey: 'k' })),
      now: at(0),
    })
    const limits: TypeLimits = { concurrency: 3, perKey: { concurrency: 3 } }
    const batch = await commandsOf(() => backend.claimJobs({ ...claimOf(limits), workerId: 'w', now: at(1) }))
    expect(batch).toEqual(['find:claimSlots', 'find:claimJobs', 'update:claimJobs'])
    // The single-job claim is a batch claim for a limited type: the slot read, then read and write.
    const full = await commandsOf(() =>
      backend.claimJobs({ ...claimOf(limits, 1), workerId: 'w', now: at(1) }),
    )
    expect(full).toEqual(['find:claimSlots'])
  })

  it('a rate limit adds one reservation command per batch; per-key limits two for all keys of a batch', async () => {
    const { backend, commandsOf } = await setUp()
    await backend.enqueueJobs({
      jobs: ['a', 'b', 'c', 'a', 'b', 'c'].map((limitKey) => newJob({ limitKey })),
      now: at(0),
    })
    const typeRate = await commandsOf(() =>
      backend.claimJobs({
        ...claimOf({ rateLimit: { max: 100, perMs: 1_000 } }, 2),
        workerId: 'w',
        now: at(1),
      }),
    )
    expect(typeRate).toEqual(['find:claimJobs', 'findAndModify:reserveStarts', 'update:claimJobs'])
    const both = await commandsOf(() =>
      backend.claimJobs({
        ...claimOf(
          { rateLimit: { max: 100, perMs: 1_000 }, perKey: { rateLimit: { max: 1, perMs: 1_000 } } },
          3,
        ),
        workerId: 'w',
        now: at(2),
      }),
    )
    // Candidates c, a, b, c: one per key is asked for (max 1 per key). The type's limiter first,
    // then the 3 keys' limiters in one bulkWrite, whose answers one read brings back.
    expect(both).toEqual([
      'find:claimJobs',
      'findAndModify:reserveStarts',
      'update:reserveStarts',
      'find:reserveStarts',
      'update:claimJobs',
    ])
  })

  it('moves held-back jobs in the claim write: no extra command', async () => {
    const { backend, commandsOf } = await setUp()
    await backend.enqueueJobs({ jobs: Array.from({ length: 5 }, () => newJob()), now: at(0) })
    const limits: TypeLimits = { rateLimit: { max: 1, perMs: 60_000 } }
    const first = await commandsOf(() =>
      backend.claimJobs({ ...claimOf(limits, 5), workerId: 'w', now: at(1) }),
    )
    expect(first).toEqual(['find:claimJobs', 'findAndModify:reserveStarts', 'update:claimJobs'])
    const held = await backend.listJobs({ filter: { state: 'pending' }, limit: 10 })
    expect(held.jobs.map((job) => job.runAt.getTime())).toEqual(Array(4).fill(at(60_001).getTime()))
    // Nothing is due until then: one read, nothing reserved, nothing written.
    const idle = await commandsOf(() => backend.claimJobs({ ...claimOf(limits), workerId: 'w', now: at(2) }))
    expect(idle).toEqual(['find:claimJobs'])
  })
})
