import { useMongo } from '@durabl/mongo-server/harness'
import { describe, expect, it } from 'vitest'
import { jobIndexes, MONGO_INDEXES, MongoBackend } from '../src/index.js'

const mongo = await useMongo()

describe('indexes', () => {
  it('creates every listed index at startup, idempotently', async () => {
    const db = await mongo.db()
    const backend = new MongoBackend({ db, collectionName: 'jobs' })
    await backend.startup()
    await backend.startup()
    const names = (await db.collection('jobs').listIndexes().toArray()).map((index) => index.name)
    for (const index of jobIndexes()) expect(names).toContain(index.name)
    expect(MONGO_INDEXES.map((index) => index.name)).toEqual(jobIndexes().map((index) => index.name))
  })

  it('declares the unique, partial and TTL options the backend relies on', async () => {
    const db = await mongo.db()
    await new MongoBackend({ db }).startup()
    const stored = new Map(
      (await db.collection('durabl_jobs').listIndexes().toArray()).map((index) => [index.name, index]),
    )
    expect(stored.get('durabl_dedupe_pending')).toMatchObject({ unique: true })
    expect(stored.get('durabl_dedupe_active')).toMatchObject({ unique: true })
    expect(stored.get('durabl_claim')?.partialFilterExpression).toEqual({ state: 'pending' })
    expect(stored.get('durabl_retention_ttl')?.expireAfterSeconds).toBe(0)
    for (const index of jobIndexes()) expect(index.serves.length).toBeGreaterThan(10)
  })

  it('creates no index with createIndexes: false', async () => {
    const db = await mongo.db()
    const backend = new MongoBackend({ db, createIndexes: false })
    await backend.startup()
    const collections = await db.listCollections({ name: 'durabl_jobs' }).toArray()
    expect(collections).toEqual([])
  })
})
