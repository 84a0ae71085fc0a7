import { useMongo } from '@durabl/mongo-server/harness'
import { describe, expect, it } from 'vitest'
import { MongoBackend } from '../src/index.js'

/**
 * Type controls in MongoDB: one small document per controlled type in their own collection.
 *
 * mongod behaviour relied on: `findAndModify` with `upsert: true`, `new: true` and a query on
 * `_id` inserts the document when none matches, applying `$set`, `$inc` (from 0) and
 * `$setOnInsert`, and returns it as written; on a match `$setOnInsert` does nothing (manual,
 * "findAndModify" and "$setOnInsert").
 */
const mongo = await useMongo()
const T0 = Date.parse('2040-01-01T00:00:00Z')

describe('type controls (MongoDB)', () => {
  it('stores one document per type, _id = the type, under controlsCollectionName', async () => {
    const db = await mongo.db()
    const backend = new MongoBackend({ db, useChangeStreams: false, controlsCollectionName: 'flow' })
    await backend.controls.setTypeControl({ type: 'email', set: { paused: true }, now: new Date(T0) })
    await backend.controls.setTypeControl({ type: 'email', set: { limits: { n: 1 } }, now: new Date(T0 + 1) })
    await backend.controls.setTypeControl({ type: '*', set: { paused: false }, now: new Date(T0 + 2) })
    const documents = await db
      .collection('flow')
      .find({}, { sort: { _id: 1 } })
      .toArray()
    expect(documents).toEqual([
      { _id: '*', paused: false, limits: null, rev: 1, updatedAt: new Date(T0 + 2) },
      { _id: 'email', paused: true, limits: { n: 1 }, rev: 2, updatedAt: new Date(T0 + 1) },
    ])
    expect(await db.collection('durabl_controls').countDocuments()).toBe(0)
  })

  it('refuses a controlsCollectionName that is empty or names another durabl collection, naming the field', async () => {
    const db = await mongo.db()
    expect(() => new MongoBackend({ db, controlsCollectionName: '' })).toThrow(/^controlsCollectionName must/)
    for (const taken of ['durabl_jobs', 'durabl_schedules', 'durabl_workers']) {
      expect(() => new MongoBackend({ db, controlsCollectionName: taken })).toThrow(
        new RegExp(`^controlsCollectionName must differ from \\w+ \\("${taken}"\\)`),
      )
    }
  })
})
