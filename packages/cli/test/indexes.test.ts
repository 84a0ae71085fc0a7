import { MONGO_INDEXES, MongoBackend } from '@durabl/mongo'
import { useMongo } from '@durabl/mongo-server/harness'
import { beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, runCli } from './support/run-cli.js'
import { enqueue, newJob, T } from './support/seed.js'

const mongo = await useMongo()
beforeAll(ensureBuilt, 120_000)

async function freshDatabase() {
  const db = await mongo.db()
  const flags = ['--uri', mongo.target.connectionString, '--db', db.databaseName, '--now', T.toISOString()]
  return { db, flags, jobs: db.collection('durabl_jobs') }
}

describe('durabl indexes', () => {
  it('ensure creates every index, then reports them present; check passes', async () => {
    const { db, flags } = await freshDatabase()
    // Jobs of two types, created without indexes, so the check explains a multi-type claim.
    const backend = new MongoBackend({ db, useChangeStreams: false, createIndexes: false })
    await enqueue(backend, newJob('email'))
    await enqueue(backend, newJob('sms'))

    const created = await runCli(['indexes', 'ensure', ...flags])
    expect(created.code).toBe(0)
    expect(created.stdout).toContain(`${MONGO_INDEXES.length} created, 0 already present`)
    expect(created.stdout).toMatch(/^durabl_claim\s+created\s+\{ type: 1, priority: 1, runAt: 1, _id: 1 \}$/m)

    const again = JSON.parse((await runCli(['indexes', 'ensure', '--json', ...flags])).stdout)
    expect(again.indexes.map((index: { status: string }) => index.status)).toEqual(
      MONGO_INDEXES.map(() => 'present'),
    )

    const check = await runCli(['indexes', 'check', ...flags])
    expect(check).toMatchObject({ code: 0, stderr: '' })
    expect(check.stdout).toContain('no problems found')
    expect(check.stdout).toContain('type: { $in: ["email","sms"] }')

    const json = JSON.parse((await runCli(['indexes', 'check', '--json', ...flags])).stdout)
    expect(json).toMatchObject({ ok: true, problems: [], claimQuery: { expectedIndex: 'durabl_claim' } })
    expect(json.claimQuery.plan.indexNames).toEqual(['durabl_claim'])
    expect(json.claimQuery.plan.blockingSort).toBe(false)
    expect(json.claimQuery.plan.collectionScan).toBe(false)

    // The other partial-index queries are explained with the filters the backend sends: each
    // states its index's partial filter (mongod uses a partial index only for queries that imply
    // it; manual, "Partial Indexes: Query Coverage").
    const byName = new Map(
      json.partialIndexQueries.map((query: { name: string }) => [query.name, query] as const),
    )
    expect(byName.get('dedupe pre-check (enqueue inside a transaction)')).toMatchObject({
      expectedIndex: 'durabl_dedupe_key',
      filter: { dedupeKey: { $eq: 'durabl-index-check', $type: 'string' } },
    })
    expect(byName.get('listJobs by dedupe key')).toMatchObject({
      expectedIndex: 'durabl_dedupe_key',
      filter: { dedupeKey: { $eq: 'durabl-index-check', $type: 'string' } },
      sort: { _id: -1 },
    })
    const probe = byName.get('recoverExpiredLeases probe') as {
      filter: unknown
      plan: { indexNames: string[] }
    }
    expect(probe.filter).toMatchObject({ state: 'active' })
    expect(probe.plan.indexNames).toEqual(['durabl_lease_expiry'])
    expect(check.stdout).toContain('recoverExpiredLeases probe: find(')
  })

  it('check fails naming a dropped index, and the claim plan that lost it', async () => {
    const { flags, jobs } = await freshDatabase()
    expect((await runCli(['indexes', 'ensure', ...flags])).code).toBe(0)
    await jobs.dropIndex('durabl_claim')
    const check = await runCli(['indexes', 'check', ...flags])
    expect(check.code).toBe(1)
    expect(check.stdout).toMatch(/^durabl_claim\s+missing/m)
    expect(check.stdout).toContain('index durabl_claim is missing (run durabl indexes ensure)')
    expect(check.stdout).toMatch(
      /the claim query (uses .* instead of durabl_claim|does not use durabl_claim|scans the whole collection)/,
    )
    expect(check.stderr).toMatch(/indexes check found \d+ problems/)

    await jobs.dropIndex('durabl_finished')
    const json = JSON.parse((await runCli(['indexes', 'check', '--json', ...flags])).stdout)
    expect(json.ok).toBe(false)
    expect(
      json.indexes
        .filter((index: { status: string }) => index.status === 'missing')
        .map((index: { name: string }) => index.name),
    ).toEqual(['durabl_claim', 'durabl_finished'])
  })

  it('check reports an index with the same name and a different definition, and extra durabl_ indexes', async () => {
    const { flags, jobs } = await freshDatabase()
    await jobs.createIndex({ state: 1, finishedAt: -1 }, { name: 'durabl_finished' })
    await jobs.createIndex({ legacy: 1 }, { name: 'durabl_legacy' })
    const check = await runCli(['indexes', 'check', ...flags])
    expect(check.code).toBe(1)
    expect(check.stdout).toContain(
      'index durabl_finished has a different definition: key is { state: 1, finishedAt: -1 }, expected { state: 1, finishedAt: 1 }',
    )
    expect(check.stdout).toMatch(/^durabl_legacy\s+extra\s+\{ legacy: 1 \}$/m)

    // ensure creates the missing ones but cannot fix a conflicting definition: exit 1 with the fix.
    const ensure = await runCli(['indexes', 'ensure', ...flags])
    expect(ensure.code).toBe(1)
    expect(ensure.stdout).toMatch(/^durabl_claim\s+created/m)
    expect(ensure.stdout).toMatch(/^durabl_finished\s+conflict/m)
    expect(ensure.stderr).toContain("dropIndex('durabl_finished')")
  })

  it('check on a collection that does not exist fails and says so', async () => {
    const { flags } = await freshDatabase()
    const check = await runCli(['indexes', 'check', ...flags])
    expect(check.code).toBe(1)
    expect(check.stdout).toContain('does not exist (run durabl indexes ensure)')
  })
})
