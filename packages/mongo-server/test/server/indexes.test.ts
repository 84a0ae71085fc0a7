import { MongoBulkWriteError, MongoServerError } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { useMongo } from '../../src/harness.js'

const mongo = await useMongo()

describe('indexes', () => {
  it('creates, lists and drops indexes; the same spec again is a no-op', async () => {
    const jobs = (await mongo.db()).collection('jobs')
    expect(await jobs.createIndex({ state: 1, runAt: 1 })).toBe('state_1_runAt_1')
    expect(await jobs.createIndex({ state: 1, runAt: 1 })).toBe('state_1_runAt_1')
    await jobs.createIndex({ key: 1 }, { unique: true, name: 'by_key' })
    const names = (await jobs.listIndexes().toArray()).map((index) => index.name)
    expect(names).toEqual(['_id_', 'state_1_runAt_1', 'by_key'])
    await jobs.dropIndex('by_key')
    expect((await jobs.listIndexes().toArray()).length).toBe(2)
  })

  it('rejects the same name with a different spec (85/86)', async () => {
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.createIndex({ a: 1 }, { name: 'idx' })
    const otherKey = await jobs.createIndex({ b: 1 }, { name: 'idx' }).catch((caught: unknown) => caught)
    expect((otherKey as MongoServerError).code).toBe(86)
    const otherOptions = await jobs
      .createIndex({ a: 1 }, { name: 'idx', unique: true })
      .catch((caught: unknown) => caught)
    expect([85, 86]).toContain((otherOptions as MongoServerError).code)
  })

  it('reports a missing collection and index', async () => {
    const db = await mongo.db()
    const missing = await db
      .collection('nothing')
      .listIndexes()
      .toArray()
      .catch((caught: unknown) => caught)
    expect((missing as MongoServerError).code).toBe(26)
    await db.collection('jobs').insertOne({})
    const missingIndex = await db
      .collection('jobs')
      .dropIndex('nope')
      .catch((caught: unknown) => caught)
    expect((missingIndex as MongoServerError).code).toBe(27)
  })

  it('enforces unique indexes on insert with writeErrors, keyPattern and keyValue', async () => {
    const users = (await mongo.db()).collection('users')
    await users.createIndex({ email: 1 }, { unique: true })
    await users.insertOne({ email: 'a@example.com' })
    const error = await users.insertOne({ email: 'a@example.com' }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(MongoServerError)
    expect((error as MongoServerError).code).toBe(11000)
    expect((error as MongoServerError).keyPattern).toEqual({ email: 1 })
    expect((error as MongoServerError).keyValue).toEqual({ email: 'a@example.com' })
    const bulk = await users
      .insertMany([{ email: 'b@example.com' }, { email: 'a@example.com' }, { email: 'c@example.com' }], {
        ordered: false,
      })
      .catch((caught: unknown) => caught)
    expect(bulk).toBeInstanceOf(MongoBulkWriteError)
    expect((bulk as MongoBulkWriteError).insertedCount).toBe(2)
    expect((bulk as MongoBulkWriteError).writeErrors).toHaveLength(1)
    expect(await users.countDocuments()).toBe(3)
  })

  it('rejects duplicate _id with 11000', async () => {
    const items = (await mongo.db()).collection('items')
    await items.insertOne({ _id: 'x' as never })
    const error = await items.insertOne({ _id: 'x' as never }).catch((caught: unknown) => caught)
    expect((error as MongoServerError).code).toBe(11000)
  })

  it('enforces unique indexes on update and upsert and leaves rejected documents unchanged', async () => {
    const users = (await mongo.db()).collection('users')
    await users.createIndex({ email: 1 }, { unique: true })
    await users.insertMany([
      { name: 'a', email: 'a' },
      { name: 'b', email: 'b' },
    ])
    const update = await users
      .updateOne({ name: 'b' }, { $set: { email: 'a', other: 1 } })
      .catch((caught: unknown) => caught)
    expect((update as MongoServerError).code).toBe(11000)
    expect(await users.findOne({ name: 'b' }, { projection: { _id: 0 } })).toEqual({ name: 'b', email: 'b' })
    const upsert = await users
      .updateOne({ name: 'c' }, { $set: { email: 'b' } }, { upsert: true })
      .catch((caught: unknown) => caught)
    expect((upsert as MongoServerError).code).toBe(11000)
    expect(await users.countDocuments()).toBe(2)
  })

  it('applies the first k-1 documents of an updateMany that fails on the k-th', async () => {
    const items = (await mongo.db()).collection('items')
    await items.createIndex({ slot: 1 }, { unique: true })
    await items.insertMany([
      { n: 1, slot: 1 },
      { n: 2, slot: 2 },
      { n: 3, slot: 3 },
    ])
    const error = await items.updateMany({}, { $set: { slot: 9 } }).catch((caught: unknown) => caught)
    expect((error as MongoServerError).code).toBe(11000)
    expect((await items.find().sort({ n: 1 }).toArray()).map((item) => item.slot)).toEqual([9, 2, 3])
  })

  it('reports duplicate keys on findAndModify as a command error', async () => {
    const users = (await mongo.db()).collection('users')
    await users.createIndex({ email: 1 }, { unique: true })
    await users.insertMany([{ email: 'a' }, { email: 'b' }])
    const error = await users
      .findOneAndUpdate({ email: 'b' }, { $set: { email: 'a' } })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(MongoServerError)
    expect((error as MongoServerError).code).toBe(11000)
    expect(await users.countDocuments({ email: 'b' })).toBe(1)
  })

  it('enforces partial unique indexes only on matching documents', async () => {
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.createIndex({ key: 1 }, { unique: true, partialFilterExpression: { state: 'pending' } })
    await jobs.insertOne({ key: 'k', state: 'pending' })
    await jobs.insertOne({ key: 'k', state: 'done' })
    const error = await jobs.insertOne({ key: 'k', state: 'pending' }).catch((caught: unknown) => caught)
    expect((error as MongoServerError).code).toBe(11000)
    await jobs.updateOne({ state: 'pending' }, { $set: { state: 'done' } })
    await jobs.insertOne({ key: 'k', state: 'pending' })
    expect(await jobs.countDocuments({ key: 'k' })).toBe(3)
  })

  it('enforces sparse unique indexes only on documents with the field', async () => {
    const items = (await mongo.db()).collection('items')
    await items.createIndex({ code: 1 }, { unique: true, sparse: true })
    await items.insertMany([{ a: 1 }, { a: 2 }, { code: 'x' }])
    const error = await items.insertOne({ code: 'x' }).catch((caught: unknown) => caught)
    expect((error as MongoServerError).code).toBe(11000)
  })

  it('enforces compound unique indexes', async () => {
    const items = (await mongo.db()).collection('items')
    await items.createIndex({ queue: 1, key: 1 }, { unique: true })
    await items.insertMany([
      { queue: 'a', key: 1 },
      { queue: 'b', key: 1 },
    ])
    const error = await items.insertOne({ queue: 'a', key: 1 }).catch((caught: unknown) => caught)
    expect((error as MongoServerError).code).toBe(11000)
    expect((error as MongoServerError).keyValue).toEqual({ queue: 'a', key: 1 })
  })

  it('refuses a unique index over existing duplicates', async () => {
    const items = (await mongo.db()).collection('items')
    await items.insertMany([{ v: 1 }, { v: 1 }])
    const error = await items.createIndex({ v: 1 }, { unique: true }).catch((caught: unknown) => caught)
    expect((error as MongoServerError).code).toBe(11000)
  })

  it('finds through indexes with equality and $in, matching the full filter', async () => {
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.createIndex({ state: 1, priority: -1 })
    await jobs.insertMany(
      Array.from({ length: 300 }, (_, index) => ({
        index,
        state: ['pending', 'active', 'done'][index % 3],
        priority: index % 7,
      })),
    )
    expect(await jobs.countDocuments({ state: 'pending', priority: { $gte: 5 } })).toBe(
      Array.from({ length: 300 }, (_, index) => index).filter((index) => index % 3 === 0 && index % 7 >= 5)
        .length,
    )
    expect(await jobs.countDocuments({ state: { $in: ['active', 'done'] } })).toBe(200)
    const first = await jobs.find({ state: 'active' }).sort({ priority: -1, index: 1 }).limit(1).toArray()
    expect(first[0]).toMatchObject({ state: 'active', priority: 6, index: 13 })
  })

  it('finds through a partial index only when the filter implies its expression', async () => {
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.createIndex(
      { type: 1, priority: 1, runAt: 1, _id: 1 },
      { name: 'claim', partialFilterExpression: { state: 'pending' } },
    )
    const base = Date.UTC(2040, 0, 1)
    await jobs.insertMany(
      Array.from({ length: 300 }, (_, index) => ({
        type: index % 3 === 0 ? 'a' : 'b',
        state: index % 2 === 0 ? 'pending' : 'done',
        priority: index % 5,
        runAt: new Date(base + index),
        index,
      })),
    )
    // Implies { state: 'pending' }: may be served by the partial index, in its order.
    const claimable = await jobs
      .find({ state: 'pending', type: 'a', runAt: { $lte: new Date(base + 200) } })
      .sort({ priority: 1, runAt: 1, _id: 1 })
      .toArray()
    const expected = Array.from({ length: 201 }, (_, index) => index)
      .filter((index) => index % 3 === 0 && index % 2 === 0)
      .sort((left, right) => (left % 5) - (right % 5) || left - right)
    expect(claimable.map((document) => document.index)).toEqual(expected)
    // Does not imply it: the documents outside the partial index must still be found.
    expect(await jobs.countDocuments({ type: 'a' })).toBe(100)
    expect(await jobs.countDocuments({ type: 'a', state: { $in: ['pending', 'done'] } })).toBe(100)
  })
})
