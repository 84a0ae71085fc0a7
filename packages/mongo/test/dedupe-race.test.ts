import type { DedupeScope } from '@durabl/core'
import { useMongo } from '@durabl/mongo-server/harness'
import { describe, expect, it } from 'vitest'
import { MongoBackend } from '../src/index.js'
import { newJob } from './support/new-job.js'

const mongo = await useMongo()

/** Backends on separate clients (own pools), so the enqueues really race on the server. */
async function backends(count: number) {
  const db = await mongo.db()
  const list: MongoBackend[] = []
  for (let index = 0; index < count; index++) {
    const client = index === 0 ? mongo.client() : await mongo.newClient()
    list.push(new MongoBackend({ db: client.db(db.databaseName) }))
  }
  await list[0]!.startup()
  return list
}

describe('dedupe under a race', () => {
  for (const scope of ['pending+active', 'pending'] as DedupeScope[]) {
    it(`50 concurrent enqueues with one key create exactly one job (scope '${scope}')`, async () => {
      const list = await backends(5)
      const now = new Date()
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          list[index % list.length]!.enqueueJobs({
            jobs: [newJob({ dedupeKey: 'race', dedupeScope: scope })],
            now,
          }),
        ),
      )
      const ids = results.flat().filter((id): id is string => id !== null)
      expect(ids).toHaveLength(1)
      const stored = await list[0]!.listJobs({ filter: { dedupeKey: 'race' }, limit: 100 })
      expect(stored.jobs.map((job) => job.id)).toEqual(ids)
    })
  }

  it("with one job active, 50 concurrent enqueues add exactly one behind it (scope 'pending')", async () => {
    const list = await backends(5)
    const now = new Date()
    await list[0]!.enqueueJobs({ jobs: [newJob({ dedupeKey: 'race', dedupeScope: 'pending' })], now })
    const [running] = await list[0]!.claimJobs({
      types: [{ type: 'job', limit: 1, leaseMs: 30_000 }],
      limit: 1,
      workerId: 'w',
      now,
    })
    expect(running?.dedupeKey).toBe('race')
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        list[index % list.length]!.enqueueJobs({
          jobs: [newJob({ dedupeKey: 'race', dedupeScope: 'pending' })],
          now,
        }),
      ),
    )
    expect(results.flat().filter((id) => id !== null)).toHaveLength(1)
    const stats = await list[0]!.getStats({ now })
    expect(stats.total).toMatchObject({ active: 1, pending: 1 })
  })

  it('50 concurrent claimOrEnqueue calls claim once and queue at most one more', async () => {
    const list = await backends(5)
    const now = new Date()
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        list[index % list.length]!.claimOrEnqueue({
          job: { ...newJob(), dedupeKey: 'flight', dedupeScope: 'pending' },
          leaseMs: 30_000,
          workerId: `w${index}`,
          now,
        }),
      ),
    )
    const count = (outcome: string) => outcomes.filter((result) => result.outcome === outcome).length
    expect(count('claimed')).toBe(1)
    expect(count('enqueued')).toBe(1)
    expect(count('duplicate')).toBe(48)
  })
})
