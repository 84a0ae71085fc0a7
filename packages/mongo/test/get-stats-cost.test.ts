import { useMongo } from '@durabl/mongo-server/harness'
import type { Document } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { MongoBackend, type MongoBackendOptions } from '../src/index.js'
import { commandName, recordCommands } from './support/command-log.js'
import { newJob } from './support/new-job.js'

// A read whose filter has no condition on the leading field of any index is a collection scan
// (manual, "Indexes" and "Explain Results": COLLSCAN), whose cost grows with every retained
// document. getStats must therefore never send an unfiltered read: each of its reads names the
// state(s) it counts, so `durabl_state_type` ({ state, type, _id }) bounds it, and counts of
// finished jobs carry a `$limit` (countDocuments with `limit` sends `$match`, `$limit`, `$group`;
// driver CRUD spec, "countDocuments").
const mongo = await useMongo()
const T0 = Date.parse('2040-01-01T00:00:00Z')
const at = (offsetMs: number) => new Date(T0 + offsetMs)

async function loadedBackend(options: Partial<MongoBackendOptions> = {}) {
  const client = await mongo.newClient({ monitorCommands: true })
  const db = client.db((await mongo.db()).databaseName)
  const backend = new MongoBackend({ db, useChangeStreams: false, ...options })
  await backend.startup()
  // type a: 5 completed, 1 failed, 2 pending (1 due), 1 active; type b: 1 cancelled.
  await backend.enqueueJobs({ jobs: Array.from({ length: 7 }, () => newJob({ type: 'a' })), now: at(0) })
  const claimed = await backend.claimJobs({
    types: [{ type: 'a', limit: 7, leaseMs: 60_000 }],
    limit: 7,
    workerId: 'w',
    now: at(0),
  })
  const leases = claimed.map((job) => ({ id: job.id, leaseToken: job.leaseToken as string }))
  await backend.completeJobs({ jobs: leases.slice(0, 5), now: at(1) })
  await backend.failJobs({
    jobs: leases.slice(5, 6).map((lease) => ({
      ...lease,
      dedupeKey: null,
      dedupeScope: null,
      retryAt: null,
      error: { attempt: 1, name: 'E', message: 'x', code: null, stack: null, fatal: true, at: at(1) },
    })),
    now: at(1),
  })
  await backend.enqueueJobs({
    jobs: [newJob({ type: 'a', runAt: at(-5) }), newJob({ type: 'a', runAt: at(10_000) })],
    now: at(2),
  })
  const [cancelled] = await backend.enqueueJobs({ jobs: [newJob({ type: 'b' })], now: at(2) })
  await backend.cancelJobs({ ids: [cancelled as string], now: at(3) })
  return { backend, client }
}

function stagesOf(command: Document): Document[] {
  return Array.isArray(command.pipeline) ? command.pipeline : []
}

describe('getStats', () => {
  it('counts exactly below the cap, per type and in total', async () => {
    const { backend } = await loadedBackend()
    const stats = await backend.getStats({ now: at(5) })
    expect(stats.types.map((entry) => entry.type)).toEqual(['a', 'b'])
    expect(stats.types[0]).toEqual({
      type: 'a',
      pending: 2,
      active: 1,
      completed: 5,
      failed: 1,
      cancelled: 0,
      due: 1,
      delayed: 1,
      oldestDueAt: at(-5),
    })
    expect(stats.total).toMatchObject({ pending: 2, active: 1, completed: 5, failed: 1, cancelled: 1 })
    const onlyB = await backend.getStats({ now: at(5), type: 'b' })
    expect(onlyB.types).toEqual([expect.objectContaining({ type: 'b', cancelled: 1, pending: 0 })])
  })

  it('never reads the collection unfiltered, and caps finished counts', async () => {
    const { backend, client } = await loadedBackend({ statsFinishedCountCap: 3 })
    const log = recordCommands(client)
    const stats = await backend.getStats({ now: at(5) })
    log.stop()
    // Five completed jobs, counted up to the cap; live work is always exact.
    expect(stats.types[0]).toMatchObject({ type: 'a', completed: 3, pending: 2, active: 1, failed: 1 })
    expect(log.commands.length).toBeGreaterThan(0)
    for (const command of log.commands) {
      const name = commandName(command)
      if (name === 'aggregate') {
        const [match, ...rest] = stagesOf(command)
        expect(match?.$match?.state).toBeDefined()
        // A count of finished jobs stops after `cap` documents.
        if (typeof match?.$match?.state === 'string') expect(rest[0]).toEqual({ $limit: 3 })
      } else if (name === 'distinct') {
        expect(command.query?.state).toBeDefined()
      } else {
        throw new Error(`getStats sent an unexpected ${name}`)
      }
    }
  })

  it('counts exactly with statsFinishedCountCap: null', async () => {
    const { backend } = await loadedBackend({ statsFinishedCountCap: null })
    const stats = await backend.getStats({ now: at(5) })
    expect(stats.total.completed).toBe(5)
  })
})
