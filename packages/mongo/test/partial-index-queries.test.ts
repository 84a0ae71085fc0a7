import { useMongo } from '@durabl/mongo-server/harness'
import { describe, expect, it } from 'vitest'
import {
  DEDUPE_KEY_INDEX_NAME,
  dedupePrecheckQuery,
  jobIndexes,
  LEASE_EXPIRY_INDEX_NAME,
  leaseExpiryQuery,
  MongoBackend,
} from '../src/index.js'
import { commandName, recordCommands } from './support/command-log.js'
import { newJob } from './support/new-job.js'

// mongod may answer a query from a partial index only when the query provably implies the index's
// partialFilterExpression (manual, "Partial Indexes: Query Coverage"; the check is `isSubsetOf` in
// src/mongo/db/matcher/expression_algo.cpp), and it does not derive `$type: 'string'` from an
// equality on a string. So every query meant for a partial index states the index's filter itself.
const mongo = await useMongo()
const now = new Date('2040-01-01T00:00:00Z')

function partialFilterOf(name: string) {
  const index = jobIndexes().find((candidate) => candidate.name === name)
  if (!index?.options.partialFilterExpression) throw new Error(`${name} has no partial filter`)
  return index.options.partialFilterExpression
}

describe('queries that rely on a partial index state its condition', () => {
  it('the exported queries carry the partial filters of their indexes', () => {
    expect(partialFilterOf(DEDUPE_KEY_INDEX_NAME)).toEqual({ dedupeKey: { $type: 'string' } })
    expect(dedupePrecheckQuery(['a', 'b']).filter.dedupeKey).toEqual({ $in: ['a', 'b'], $type: 'string' })
    expect(partialFilterOf(LEASE_EXPIRY_INDEX_NAME)).toEqual({ state: 'active' })
    expect(leaseExpiryQuery(now).filter).toMatchObject({ state: 'active' })
  })

  it('the duplicate pre-check inside a transaction sends dedupeKey: { $in, $type: "string" }', async (context) => {
    mongo.require(context, 'transactions')
    const client = await mongo.newClient({ monitorCommands: true })
    const db = client.db((await mongo.db()).databaseName)
    const backend = new MongoBackend({ db, useChangeStreams: false })
    await backend.startup()
    await backend.enqueueJobs({ jobs: [newJob({ dedupeKey: 'k1', dedupeScope: 'pending' })], now })
    const log = recordCommands(client)
    const session = client.startSession()
    try {
      await session.withTransaction(async () => {
        const ids = await backend.enqueueJobs({
          jobs: [
            newJob({ dedupeKey: 'k1', dedupeScope: 'pending' }),
            newJob({ dedupeKey: 'k2', dedupeScope: 'pending' }),
          ],
          now,
          session,
        })
        expect(ids[0]).toBeNull()
        expect(ids[1]).toEqual(expect.any(String))
      })
    } finally {
      await session.endSession()
      log.stop()
    }
    const precheck = log.commands.find((command) => commandName(command) === 'find')
    expect(precheck?.filter).toEqual({
      dedupeKey: { $in: ['k1', 'k2'], $type: 'string' },
      state: { $in: ['pending', 'active'] },
    })
  })

  it('listing by dedupe key sends dedupeKey: { $eq, $type: "string" }, newest first', async () => {
    const client = await mongo.newClient({ monitorCommands: true })
    const db = client.db((await mongo.db()).databaseName)
    const backend = new MongoBackend({ db, useChangeStreams: false })
    await backend.startup()
    const [first] = await backend.enqueueJobs({ jobs: [newJob({ dedupeKey: 'k' })], now })
    await backend.enqueueJobs({ jobs: [newJob()], now })
    const log = recordCommands(client)
    const page = await backend.listJobs({ filter: { dedupeKey: 'k' }, limit: 10 })
    log.stop()
    expect(page.jobs.map((job) => job.id)).toEqual([first])
    const find = log.commands.find((command) => commandName(command) === 'find')
    expect(find?.filter).toEqual({ dedupeKey: { $eq: 'k', $type: 'string' } })
    expect(Object.fromEntries(find?.sort ?? [])).toEqual({ _id: -1 })
  })

  it('the recovery probe states durabl_lease_expiry\'s condition (state: "active")', async () => {
    const client = await mongo.newClient({ monitorCommands: true })
    const db = client.db((await mongo.db()).databaseName)
    const backend = new MongoBackend({ db, useChangeStreams: false })
    await backend.startup()
    const log = recordCommands(client)
    await backend.recoverExpiredLeases({
      now,
      error: {
        name: 'LeaseExpiredError',
        message: 'expired',
        code: null,
        stack: null,
        fatal: false,
        at: now,
      },
    })
    log.stop()
    const probe = log.commands.find((command) => commandName(command) === 'find')
    expect(probe?.filter).toEqual({ state: 'active', leaseExpiresAt: { $lt: now } })
  })
})
