import {
  type AnyClientBulkWriteModel,
  type Document,
  Double,
  Int32,
  Long,
  MongoServerError,
  ObjectId,
} from 'mongodb'
import { describe, expect, it } from 'vitest'
import { useMongo } from '../../src/harness.js'

const mongo = await useMongo()

describe('handshake and server commands', () => {
  it('answers ping, buildInfo and hello', async () => {
    const admin = mongo.client().db('admin')
    expect((await admin.command({ ping: 1 })).ok).toBe(1)
    const buildInfo = await admin.command({ buildInfo: 1 })
    expect(typeof buildInfo.version).toBe('string')
    const hello = await admin.command({ hello: 1 })
    expect(hello.isWritablePrimary).toBe(true)
    expect(hello.maxWireVersion).toBeGreaterThanOrEqual(9)
    expect(typeof hello.logicalSessionTimeoutMinutes).toBe('number')
  })

  it('reports an unknown command with code 59', async () => {
    const error = await mongo
      .client()
      .db('admin')
      .command({ noSuchCommandHere: 1 })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(MongoServerError)
    expect((error as MongoServerError).code).toBe(59)
  })

  it('lists, creates and drops collections and databases', async () => {
    const db = await mongo.db()
    await db.createCollection('jobs')
    await db.collection('events').insertOne({ a: 1 })
    const names = (await db.listCollections().toArray()).map((entry) => entry.name).sort()
    expect(names).toEqual(['events', 'jobs'])
    const error = await db.createCollection('jobs').catch((caught: unknown) => caught)
    expect((error as MongoServerError).code).toBe(48)
    expect(await db.collection('jobs').drop()).toBe(true)
    const databases = await mongo.client().db('admin').admin().listDatabases()
    expect(databases.databases.map((entry) => entry.name)).toContain(db.databaseName)
  })
})

describe('insert and find', () => {
  it('inserts documents, puts _id first and finds with filter, sort, projection, skip and limit', async () => {
    const jobs = (await mongo.db()).collection('jobs')
    const result = await jobs.insertMany(
      Array.from({ length: 10 }, (_, index) => ({ name: `job-${index}`, priority: index % 3, index })),
    )
    expect(result.insertedCount).toBe(10)
    const found = await jobs
      .find({ priority: { $gte: 1 } }, { projection: { _id: 0, index: 1 } })
      .sort({ priority: -1, index: 1 })
      .skip(1)
      .limit(3)
      .toArray()
    expect(found).toEqual([{ index: 5 }, { index: 8 }, { index: 1 }])
    const raw = await jobs.findOne({ index: 0 })
    expect(Object.keys(raw!)[0]).toBe('_id')
  })

  it('pages through results with getMore and a small batchSize', async () => {
    const items = (await mongo.db()).collection('items')
    await items.insertMany(Array.from({ length: 250 }, (_, index) => ({ index })))
    const all = await items.find({}, { batchSize: 7 }).sort({ index: 1 }).toArray()
    expect(all.map((item) => item.index)).toEqual(Array.from({ length: 250 }, (_, index) => index))
    const cursor = items.find({}, { batchSize: 2 })
    await cursor.next()
    await cursor.close()
  })

  it('keeps insertion order as the natural order', async () => {
    const items = (await mongo.db()).collection('items')
    await items.insertMany([{ n: 3 }, { n: 1 }, { n: 2 }])
    expect((await items.find().toArray()).map((item) => item.n)).toEqual([3, 1, 2])
  })

  it('keeps BSON numeric types and compares dates and ObjectIds', async () => {
    const values = (await mongo.db()).collection('values')
    const id = new ObjectId()
    await values.insertOne({
      _id: id,
      int: new Int32(1),
      long: Long.fromString('9007199254740993'),
      double: new Double(2),
      at: new Date('2024-01-01T00:00:00Z'),
    })
    await values.updateOne({ _id: id }, { $inc: { int: 1, double: 1 } })
    const stored = await values.findOne({ _id: id }, { promoteValues: false, promoteLongs: false })
    expect(stored?.int).toBeInstanceOf(Int32)
    expect(stored?.int.value).toBe(2)
    expect(stored?.double).toBeInstanceOf(Double)
    expect(stored?.long).toBeInstanceOf(Long)
    expect((stored!.long as Long).toString()).toBe('9007199254740993')
    expect(await values.countDocuments({ at: { $lt: new Date('2024-06-01T00:00:00Z') } })).toBe(1)
    expect(await values.countDocuments({ at: { $gt: new Date('2024-06-01T00:00:00Z') } })).toBe(0)
    expect(await values.countDocuments({ _id: new ObjectId(id.toHexString()) })).toBe(1)
    expect(await values.countDocuments({ int: 2 })).toBe(1)
  })

  it('counts and lists distinct values', async () => {
    const items = (await mongo.db()).collection('items')
    await items.insertMany([{ tag: 'a' }, { tag: 'b' }, { tag: 'a' }, { tag: ['c', 'a'] }])
    expect(await items.countDocuments({ tag: 'a' })).toBe(3)
    expect(await items.estimatedDocumentCount()).toBe(4)
    expect((await items.distinct('tag')).sort()).toEqual(['a', 'b', 'c'])
  })
})

interface Item {
  _id?: ObjectId
  n: number
  keep: boolean
  gone?: number
  list: number[]
  low: number
  high: number
  touchedAt?: Date
}

describe('update and delete', () => {
  it('applies update operators', async () => {
    const items = (await mongo.db()).collection<Item>('items')
    await items.insertOne({ _id: new ObjectId(), n: 5, keep: true, gone: 1, list: [1], low: 10, high: 10 })
    await items.updateOne(
      {},
      {
        $inc: { n: 2 },
        $unset: { gone: '' },
        $push: { list: { $each: [2, 3, 4], $slice: -3 } },
        $min: { low: 3 },
        $max: { high: 30 },
        $currentDate: { touchedAt: true },
        $set: { 'nested.value': 'x' },
      },
    )
    const item = await items.findOne({}, { projection: { _id: 0 } })
    expect(item).toMatchObject({
      n: 7,
      keep: true,
      list: [2, 3, 4],
      low: 3,
      high: 30,
      nested: { value: 'x' },
    })
    expect(item).not.toHaveProperty('gone')
    expect(item?.touchedAt).toBeInstanceOf(Date)
  })

  it('applies $push with $slice on a missing array', async () => {
    const items = (await mongo.db()).collection<{ name: string; log?: number[] }>('items')
    await items.insertOne({ name: 'x' })
    await items.updateOne({ name: 'x' }, { $push: { log: { $each: [1, 2, 3], $slice: -2 } } })
    expect((await items.findOne({ name: 'x' }))?.log).toEqual([2, 3])
  })

  it('applies pipeline updates with $$NOW, $cond, $add and $switch', async () => {
    const items = (await mongo.db()).collection('items')
    await items.insertMany([{ attempts: 1 }, { attempts: 5 }])
    const before = Date.now()
    await items.updateMany({}, [
      {
        $set: {
          state: { $cond: [{ $gte: ['$attempts', 3] }, 'failed', 'retry'] },
          runAt: { $add: ['$$NOW', 60_000] },
          size: {
            // biome-ignore lint/suspicious/noThenProperty: `then` is part of MongoDB's $switch syntax
            $switch: { branches: [{ case: { $lt: ['$attempts', 2] }, then: 'small' }], default: 'large' },
          },
        },
      },
    ])
    const docs = await items
      .find({}, { projection: { _id: 0 } })
      .sort({ attempts: 1 })
      .toArray()
    expect(docs.map((doc) => [doc.state, doc.size])).toEqual([
      ['retry', 'small'],
      ['failed', 'large'],
    ])
    expect((docs[0]!.runAt as Date).getTime()).toBeGreaterThanOrEqual(before + 60_000 - 1000)
  })

  it('upserts with $setOnInsert and seeds equality fields from the filter', async () => {
    const items = (await mongo.db()).collection('items')
    const first = await items.updateOne(
      { key: 'a' },
      { $setOnInsert: { createdAt: 1 }, $set: { seen: 1 } },
      { upsert: true },
    )
    expect(first.upsertedCount).toBe(1)
    const second = await items.updateOne(
      { key: 'a' },
      { $setOnInsert: { createdAt: 2 }, $set: { seen: 2 } },
      { upsert: true },
    )
    expect(second.matchedCount).toBe(1)
    expect(second.modifiedCount).toBe(1)
    expect(await items.findOne({ key: 'a' }, { projection: { _id: 0 } })).toEqual({
      key: 'a',
      createdAt: 1,
      seen: 2,
    })
  })

  it('updates many and reports matched and modified counts', async () => {
    const items = (await mongo.db()).collection('items')
    await items.insertMany([{ v: 1 }, { v: 1 }, { v: 2 }])
    const result = await items.updateMany({}, { $set: { v: 1 } })
    expect(result.matchedCount).toBe(3)
    expect(result.modifiedCount).toBe(1)
  })

  it('replaces a document and keeps its _id', async () => {
    const items = (await mongo.db()).collection('items')
    const { insertedId } = await items.insertOne({ a: 1, b: 2 })
    await items.replaceOne({ _id: insertedId }, { c: 3 })
    expect(await items.findOne({ _id: insertedId })).toEqual({ _id: insertedId, c: 3 })
  })

  it('updates array elements with arrayFilters', async () => {
    const items = (await mongo.db()).collection('items')
    await items.insertOne({ name: 'x', grades: [{ v: 1 }, { v: 5 }] })
    await items.updateOne(
      { name: 'x' },
      { $set: { 'grades.$[high].top': true } },
      { arrayFilters: [{ 'high.v': { $gt: 3 } }] },
    )
    expect((await items.findOne({ name: 'x' }))?.grades).toEqual([{ v: 1 }, { v: 5, top: true }])
  })

  it('rejects conflicting update operators with code 40 and unknown modifiers with code 9', async () => {
    const items = (await mongo.db()).collection('items')
    await items.insertOne({ a: 1 })
    const conflict = await items
      .updateOne({}, { $set: { a: 2 }, $inc: { a: 1 } })
      .catch((caught: unknown) => caught)
    expect((conflict as MongoServerError).code).toBe(40)
    const unknown = await items
      .updateOne({}, { $frobnicate: { a: 1 } } as never)
      .catch((caught: unknown) => caught)
    expect((unknown as MongoServerError).code).toBe(9)
    expect((await items.findOne({}))?.a).toBe(1)
  })

  it('deletes one and many', async () => {
    const items = (await mongo.db()).collection('items')
    await items.insertMany([{ v: 1 }, { v: 1 }, { v: 2 }])
    expect((await items.deleteOne({ v: 1 })).deletedCount).toBe(1)
    expect((await items.deleteMany({})).deletedCount).toBe(2)
  })
})

describe('findAndModify', () => {
  it('returns the document before or after, with sort and projection', async () => {
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertMany([
      { name: 'low', priority: 1, state: 'pending' },
      { name: 'high', priority: 9, state: 'pending' },
    ])
    const before = await jobs.findOneAndUpdate(
      { state: 'pending' },
      { $set: { state: 'active' } },
      { sort: { priority: -1 }, projection: { _id: 0, name: 1, state: 1 } },
    )
    expect(before).toEqual({ name: 'high', state: 'pending' })
    const after = await jobs.findOneAndUpdate(
      { state: 'pending' },
      { $set: { state: 'active' } },
      { returnDocument: 'after', projection: { _id: 0, state: 1 } },
    )
    expect(after).toEqual({ state: 'active' })
    expect(await jobs.findOneAndUpdate({ state: 'pending' }, { $set: { state: 'x' } })).toBeNull()
  })

  it('upserts, removes and replaces', async () => {
    const jobs = (await mongo.db()).collection('jobs')
    const upserted = await jobs.findOneAndUpdate(
      { key: 'k' },
      { $set: { v: 1 } },
      { upsert: true, returnDocument: 'after', includeResultMetadata: true },
    )
    expect(upserted.value).toMatchObject({ key: 'k', v: 1 })
    expect(upserted.lastErrorObject?.updatedExisting).toBe(false)
    const replaced = await jobs.findOneAndReplace(
      { key: 'k' },
      { key: 'k', v: 2 },
      { returnDocument: 'after' },
    )
    expect(replaced).toMatchObject({ key: 'k', v: 2 })
    expect(await jobs.findOneAndDelete({ key: 'k' })).toMatchObject({ v: 2 })
    expect(await jobs.countDocuments()).toBe(0)
  })

  it('applies pipeline updates', async () => {
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertOne({ attempts: 2 })
    const after = await jobs.findOneAndUpdate({}, [{ $set: { attempts: { $add: ['$attempts', 1] } } }], {
      returnDocument: 'after',
    })
    expect(after?.attempts).toBe(3)
  })
})

describe('aggregate', () => {
  it('runs $match, $group, $sort, $project, $unwind, $count and $facet', async () => {
    const orders = (await mongo.db()).collection('orders')
    await orders.insertMany([
      { customer: 'a', amount: 5, tags: ['x', 'y'] },
      { customer: 'b', amount: 7, tags: ['x'] },
      { customer: 'a', amount: 3, tags: [] },
    ])
    const totals = await orders
      .aggregate([
        { $match: { amount: { $gt: 1 } } },
        { $group: { _id: '$customer', total: { $sum: '$amount' } } },
        { $sort: { total: -1 } },
        { $project: { _id: 0, customer: '$_id', total: 1 } },
      ])
      .toArray()
    expect(totals).toEqual([
      { total: 8, customer: 'a' },
      { total: 7, customer: 'b' },
    ])
    const unwound = await orders.aggregate([{ $unwind: '$tags' }, { $count: 'n' }]).toArray()
    expect(unwound).toEqual([{ n: 3 }])
    const faceted = await orders
      .aggregate([
        { $facet: { big: [{ $match: { amount: { $gte: 5 } } }, { $count: 'n' }], all: [{ $count: 'n' }] } },
      ])
      .toArray()
    expect(faceted).toEqual([{ big: [{ n: 2 }], all: [{ n: 3 }] }])
    const withFields = await orders
      .aggregate([
        { $sort: { amount: 1 } },
        { $limit: 1 },
        { $addFields: { double: { $multiply: ['$amount', 2] } } },
      ])
      .toArray()
    expect(withFields[0]?.double).toBe(6)
  })
})

describe('bulk writes', () => {
  it('runs collection.bulkWrite through insert, update and delete commands', async () => {
    const items = (await mongo.db()).collection('items')
    const result = await items.bulkWrite([
      { insertOne: { document: { _id: 1 as never, v: 1 } } },
      { insertOne: { document: { _id: 2 as never, v: 2 } } },
      { updateOne: { filter: { _id: 1 as never }, update: { $set: { v: 10 } } } },
      { updateMany: { filter: {}, update: { $inc: { v: 1 } } } },
      { deleteOne: { filter: { _id: 2 as never } } },
      { replaceOne: { filter: { _id: 3 as never }, replacement: { v: 3 }, upsert: true } },
    ])
    expect(result.insertedCount).toBe(2)
    expect(result.matchedCount).toBe(3)
    expect(result.deletedCount).toBe(1)
    expect(result.upsertedCount).toBe(1)
    expect(await items.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, v: 11 },
      { _id: 3, v: 3 },
    ])
  })

  it('runs MongoClient.bulkWrite (the bulkWrite command) across namespaces', async (context) => {
    const version = (await mongo.client().db('admin').command({ buildInfo: 1 })).version as string
    if (mongo.target.kind !== 'in-process' && Number(version.split('.')[0]) < 8) {
      context.skip(`MongoClient.bulkWrite needs MongoDB 8.0; the ${mongo.target.kind} target runs ${version}`)
    }
    const db = await mongo.db()
    const models: AnyClientBulkWriteModel<Document>[] = [
      { name: 'insertOne', namespace: `${db.databaseName}.a`, document: { _id: 1 as never, v: 1 } },
      { name: 'insertOne', namespace: `${db.databaseName}.b`, document: { _id: 1 as never, v: 1 } },
      {
        name: 'updateOne',
        namespace: `${db.databaseName}.a`,
        filter: { _id: 1 as never },
        update: { $set: { v: 2 } },
      },
      { name: 'deleteOne', namespace: `${db.databaseName}.b`, filter: { _id: 1 as never } },
    ]
    const result = await mongo.client().bulkWrite(models)
    expect(result.insertedCount).toBe(2)
    expect(result.modifiedCount).toBe(1)
    expect(result.deletedCount).toBe(1)
    expect(await db.collection('a').findOne({ _id: 1 as never })).toEqual({ _id: 1, v: 2 })
    expect(await db.collection('b').countDocuments()).toBe(0)
  })
})
