import { describe, expect, it } from 'vitest'
import { useMongo } from '../../src/harness.js'
import { rejection } from './change-stream-reading.js'

const mongo = await useMongo()

/**
 * mongod: `renameCollection: '<db>.<from>', to: '<db>.<to>', dropTarget` runs against `admin`
 * (13 Unauthorized elsewhere); it moves the documents and the indexes; a missing source fails with
 * 26 NamespaceNotFound, an existing target without `dropTarget` with 48 NamespaceExists, renaming
 * a collection to itself with 20 IllegalOperation (manual, "renameCollection";
 * src/mongo/db/commands/rename_collection_cmd.cpp). The driver's `collection.rename` sends it.
 */
describe('renameCollection', () => {
  it('moves the documents and the indexes, and the source is gone', async () => {
    const db = await mongo.db()
    const jobs = db.collection('jobs')
    await jobs.insertMany([
      { _id: 1 as never, key: 'a' },
      { _id: 2 as never, key: 'b' },
    ])
    await jobs.createIndex({ key: 1 }, { unique: true, name: 'key_unique' })
    const renamed = await jobs.rename('jobs_renamed')
    expect(renamed.collectionName).toBe('jobs_renamed')
    expect(await renamed.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, key: 'a' },
      { _id: 2, key: 'b' },
    ])
    const indexes = await renamed.indexes()
    expect(indexes.map((index) => index.name).sort()).toEqual(['_id_', 'key_unique'])
    expect(indexes.find((index) => index.name === 'key_unique')).toMatchObject({
      key: { key: 1 },
      unique: true,
    })
    const duplicate = await rejection(renamed.insertOne({ key: 'a' }))
    expect(duplicate.code).toBe(11000)
    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((entry) => entry.name)
    expect(names).toEqual(['jobs_renamed'])
    expect(await jobs.countDocuments()).toBe(0)
  })

  it('fails with 48 NamespaceExists when the target exists, and replaces it with dropTarget', async () => {
    const db = await mongo.db()
    await db.collection('jobs').insertOne({ _id: 'new' as never })
    await db.collection('archive').insertOne({ _id: 'old' as never })
    const error = await rejection(db.collection('jobs').rename('archive'))
    expect(error.code).toBe(48)
    expect(error.codeName).toBe('NamespaceExists')
    expect(await db.collection('jobs').countDocuments()).toBe(1)
    await db.collection('jobs').rename('archive', { dropTarget: true })
    expect(await db.collection('archive').find().toArray()).toEqual([{ _id: 'new' }])
  })

  it('fails with 26 NamespaceNotFound when the source does not exist', async () => {
    const db = await mongo.db()
    await db.collection('other').insertOne({})
    const error = await rejection(db.collection('missing').rename('anything'))
    expect(error.code).toBe(26)
    expect(error.codeName).toBe('NamespaceNotFound')
  })

  it('fails with 20 IllegalOperation when renaming a collection to itself', async () => {
    const db = await mongo.db()
    await db.collection('jobs').insertOne({})
    // Sent as a command: the driver's `rename` rewrites any code-20 error of a write into its
    // "does not support retryable writes" message (execute_operation.ts), on mongod as here.
    const namespace = `${db.databaseName}.jobs`
    const admin = mongo.client().db('admin')
    const error = await rejection(admin.command({ renameCollection: namespace, to: namespace }))
    expect(error.code).toBe(20)
    expect(error.message).toBe("Can't rename a collection to itself")
  })

  it('fails with 13 Unauthorized outside the admin database', async () => {
    const db = await mongo.db()
    await db.collection('jobs').insertOne({})
    const command = { renameCollection: `${db.databaseName}.jobs`, to: `${db.databaseName}.other` }
    const error = await rejection(db.command(command))
    expect(error.code).toBe(13)
    expect(error.message).toBe('renameCollection may only be run against the admin database.')
  })
})
