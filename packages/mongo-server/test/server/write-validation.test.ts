import { type Db, MongoServerError } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { useMongo } from '../../src/harness.js'

const mongo = await useMongo()

async function serverError(promise: Promise<unknown>): Promise<MongoServerError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(MongoServerError)
  return error as MongoServerError
}

async function majorVersion(db: Db): Promise<number> {
  const info = await db.admin().command({ buildInfo: 1 })
  return Number(String(info.version).split('.')[0])
}

// mongod 5.0+ stores `$`-prefixed field names at the top level and in embedded documents, but an
// `_id` that is a document may not contain one: DollarPrefixedFieldName (52). Sources: the manual,
// "Field Names with Periods and Dollar Signs" (core/dot-dollar-considerations); crud spec tests
// insertOne-dots_and_dollars.json, insertMany-…, bulkWrite-insertOne-dots_and_dollars.json; jstests
// jstests/core/write/field_name_validation.js (upserts whose _id would hold `$` fields fail with 52).
describe('dollar-prefixed field names', () => {
  it('stores top-level and embedded $-prefixed fields', async () => {
    const items = (await mongo.db()).collection('items')
    await items.insertOne({ _id: 1, $a: 1 } as never)
    await items.insertMany([{ _id: 2, $b: { $c: 1 } } as never, { _id: 3, a: { $db: 'x' } } as never])
    const result = await items.bulkWrite([{ insertOne: { document: { _id: 4, $d: 1 } as never } }])
    expect(result.insertedCount).toBe(1)
    expect(await items.find({}, { sort: { _id: 1 } }).toArray()).toEqual([
      { _id: 1, $a: 1 },
      { _id: 2, $b: { $c: 1 } },
      { _id: 3, a: { $db: 'x' } },
      { _id: 4, $d: 1 },
    ])
  })

  it('refuses an _id holding a $-prefixed field, at any depth, with code 52', async () => {
    const items = (await mongo.db()).collection('items')
    expect((await serverError(items.insertOne({ _id: { $a: 1 } } as never))).code).toBe(52)
    expect((await serverError(items.insertOne({ _id: { a: { $b: 1 } } } as never))).code).toBe(52)
    // A dotted field name inside _id is fine.
    await items.insertOne({ _id: { 'a.b': 1 } } as never)
    expect(await items.countDocuments()).toBe(1)
  })

  it('refuses an upsert whose new _id would hold a $-prefixed field', async () => {
    const items = (await mongo.db()).collection('items')
    const replaced = items.replaceOne({ x: 1 }, { _id: { $bad: 1 } } as never, { upsert: true })
    expect((await serverError(replaced)).code).toBe(52)
    // The filter's equality on '_id.$gt' would seed the new document's _id as { $gt: 1 }.
    const seeded = items.updateOne({ '_id.$gt': 1 } as never, { $set: { a: 1 } }, { upsert: true })
    expect((await serverError(seeded)).code).toBe(52)
    expect(await items.countDocuments()).toBe(0)
  })
})

// mongod parses commands with IDL: a field it does not know, in the command or in one update or
// delete statement, fails the whole command with code 40415 and "BSON field
// 'update.updates.bogus' is an unknown field.". `sort` in an update statement arrived in 8.0, so
// 7.x rejects it the same way. Sources: crud spec tests updateOne-sort.json, replaceOne-sort.json
// ("sort option unsupported (server-side error)" before 8.0); the update command manual page.
describe('unknown fields', () => {
  it('rejects an unknown field in an update statement and applies nothing', async () => {
    const db = await mongo.db()
    await db.collection('items').insertOne({ _id: 1, n: 0 } as never)
    const error = await serverError(
      db.command({ update: 'items', updates: [{ q: { _id: 1 }, u: { $inc: { n: 1 } }, bogus: 1 }] }),
    )
    expect(error.code).toBe(40415)
    expect(error.message).toContain('update.updates.bogus')
    expect(await db.collection('items').findOne({ _id: 1 } as never)).toEqual({ _id: 1, n: 0 })
  })

  it('rejects sort in an update statement before MongoDB 8.0', async (context) => {
    const db = await mongo.db()
    if ((await majorVersion(db)) >= 8) context.skip('MongoDB 8.0+ accepts sort in updateOne')
    const items = db.collection('items')
    await items.insertMany([{ _id: 1 }, { _id: 2 }] as never[])
    const error = await serverError(items.updateOne({}, { $set: { x: 1 } }, { sort: { _id: -1 } }))
    expect(error.code).toBe(40415)
    expect(error.message).toContain('update.updates.sort')
    const replaced = items.replaceOne({}, { x: 1 }, { sort: { _id: -1 } })
    expect((await serverError(replaced)).code).toBe(40415)
    expect(await items.countDocuments({ x: 1 })).toBe(0)
  })

  it('rejects unknown fields in delete statements and in the command itself', async () => {
    const db = await mongo.db()
    const deleting = db.command({ delete: 'items', deletes: [{ q: {}, limit: 0, bogus: 1 }] })
    expect((await serverError(deleting)).message).toContain('delete.deletes.bogus')
    const inserting = db.command({ insert: 'items', documents: [{ a: 1 }], bogus: 1 })
    const error = await serverError(inserting)
    expect(error.code).toBe(40415)
    expect(error.message).toContain('insert.bogus')
    expect(await db.collection('items').countDocuments()).toBe(0)
  })

  it('rejects unknown fields of find and aggregate', async () => {
    const db = await mongo.db()
    const finding = await serverError(db.command({ find: 'items', filter: {}, bogus: 1 }))
    expect(finding.code).toBe(40415)
    expect(finding.message).toContain('find.bogus')
    const aggregating = db.command({ aggregate: 'items', pipeline: [], cursor: {}, bogus: 1 })
    expect((await serverError(aggregating)).code).toBe(40415)
  })

  it('accepts every field the driver sends with writes in a session and a transaction', async (context) => {
    mongo.require(context, 'transactions')
    const db = await mongo.db()
    const items = db.collection<{ _id: number; a?: number }>('items')
    await items.insertOne({ _id: 0 })
    const session = mongo.client().startSession({ causalConsistency: true })
    try {
      await session.withTransaction(async () => {
        await items.insertOne({ _id: 1 }, { session, comment: 'c' })
        await items.updateOne({ _id: 1 }, { $set: { a: 1 } }, { session, hint: { _id: 1 } })
        await items.deleteOne({ _id: 0 }, { session, comment: 'c' })
        await items.findOneAndUpdate({ _id: 1 }, { $inc: { a: 1 } }, { session, sort: { _id: 1 } })
      })
    } finally {
      await session.endSession()
    }
    expect(await items.find().toArray()).toEqual([{ _id: 1, a: 2 }])
  })
})

// Views (`create` with `viewOn`) are not implemented by the in-process server: creating one fails
// with CommandNotSupported (115) instead of creating an empty collection that answers every read
// with nothing. mongod creates the view (manual: "Views"), so this runs only in process.
describe('views', () => {
  it('refuses to create a view', async (context) => {
    mongo.require(context, 'inProcessServer')
    const db = await mongo.db()
    const error = await serverError(db.createCollection('recent', { viewOn: 'items', pipeline: [] }))
    expect(error.code).toBe(115)
    expect(error.message).toContain('views are not supported')
    expect(await db.listCollections({ name: 'recent' }).toArray()).toEqual([])
  })
})
