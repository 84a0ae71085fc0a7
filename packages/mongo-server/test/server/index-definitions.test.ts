import { type Document, MongoServerError } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { useMongo } from '../../src/harness.js'

const mongo = await useMongo()

/** The error a promise rejects with, or a failure when it resolves. */
async function refusal(promise: Promise<unknown>): Promise<MongoServerError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  )
  if (!('error' in outcome)) throw new Error(`expected a refusal, got ${JSON.stringify(outcome.value)}`)
  expect(outcome.error).toBeInstanceOf(MongoServerError)
  return outcome.error as MongoServerError
}

async function indexNames(collection: { listIndexes(): { toArray(): Promise<Document[]> } }) {
  return (await collection.listIndexes().toArray()).map((index) => String(index.name))
}

describe('partialFilterExpression', () => {
  // mongod 7/8 accept equality, $exists: true, $gt/$gte/$lt/$lte, $type, $and, $or and $in (the last
  // two since 6.0), nested at most 4 levels deep (internalPartialFilterExpressionMaxDepth); anything
  // else fails with 67 CannotCreateIndex "Expression not supported in partial index".
  // Sources: manual "Partial Indexes" (Create a Partial Index); IndexCatalogImpl's
  // _checkValidFilterExpressions; jstests/core/index/index_partial_create_drop.js.
  it('accepts the expressions mongod allows', async () => {
    const items = (await mongo.db()).collection('items')
    const allowed: Document[] = [
      { a: 1 },
      { a: { $eq: 'x' } },
      { a: { $exists: true } },
      { a: { $gt: 1, $lte: 10 } },
      { a: { $type: 'string' } },
      { $and: [{ a: { $gte: 1 } }, { b: { $exists: true } }] },
      { $or: [{ a: 1 }, { b: { $lt: 5 } }] },
      { a: { $in: [1, 2, 3] } },
      { $and: [{ $and: [{ $and: [{ x: 3 }] }] }] },
    ]
    for (const [position, partialFilterExpression] of allowed.entries()) {
      await items.createIndex({ k: 1 }, { name: `k_${position}`, partialFilterExpression })
    }
    expect((await indexNames(items)).length).toBe(allowed.length + 1)
  })

  it('refuses $ne, $exists: false, $not, $nin, $regex, $nor, $elemMatch and deep nesting with 67', async () => {
    const items = (await mongo.db()).collection('items')
    await items.insertOne({ a: 1 })
    const refused: Document[] = [
      { a: { $ne: 1 } },
      { a: { $exists: false } },
      { a: { $not: { $gt: 1 } } },
      { a: { $nin: [1, 2] } },
      { a: { $regex: '^x' } },
      { a: /^x/ },
      { $nor: [{ a: 1 }] },
      { a: { $elemMatch: { b: 1 } } },
      { $and: [{ $and: [{ $and: [{ $and: [{ x: 3 }] }] }] }] },
    ]
    for (const partialFilterExpression of refused) {
      const error = await refusal(items.createIndex({ k: 1 }, { partialFilterExpression }))
      expect(error.code, JSON.stringify(partialFilterExpression)).toBe(67)
    }
    expect(await indexNames(items)).toEqual(['_id_'])
  })

  it('refuses $expr (query features are banned in a partial filter)', async () => {
    // index_partial_create_drop.js: "Use of $expr is banned in a partial index filter" (commandFailed,
    // no code asserted; the parser bans it before the expression check).
    const items = (await mongo.db()).collection('items')
    await items.insertOne({ k: 1 })
    await refusal(items.createIndex({ k: 1 }, { partialFilterExpression: { $expr: { $eq: ['$k', 1] } } }))
    await refusal(items.createIndex({ k: 1 }, { partialFilterExpression: 5 as never }))
    expect(await indexNames(items)).toEqual(['_id_'])
  })

  it('refuses partialFilterExpression together with sparse: true', async () => {
    // index_partial_create_drop.js: "Partial indexes can't also be sparse indexes"; sparse: false is fine.
    const items = (await mongo.db()).collection('items')
    const error = await refusal(
      items.createIndex({ k: 1 }, { partialFilterExpression: { a: 1 }, sparse: true }),
    )
    expect(error.code).toBe(67)
    await items.createIndex({ k: 1 }, { partialFilterExpression: { a: 1 }, sparse: false })
  })
})

describe('TTL index options', () => {
  // TTL indexes are single-field; expireAfterSeconds must be a non-negative 32-bit number. Each
  // violation fails with 67 CannotCreateIndex (index_key_validate::validateIndexSpecTTL;
  // jstests/core/ttl/ttl_index_options.js).
  it('refuses a compound key, a negative or non-numeric value and one beyond 32 bits', async () => {
    const events = (await mongo.db()).collection('events')
    const cases: [Document, Document][] = [
      [{ at: 1, kind: 1 }, { expireAfterSeconds: 100 }],
      [{ at: 1 }, { expireAfterSeconds: -1 }],
      [{ at: 1 }, { expireAfterSeconds: 'soon' }],
      [{ at: 1 }, { expireAfterSeconds: 9_999_999_999_999 }],
    ]
    for (const [key, options] of cases) {
      const error = await refusal(events.createIndex(key, options))
      expect(error.code, JSON.stringify({ key, options })).toBe(67)
    }
    await events.createIndex({ at: 1 }, { expireAfterSeconds: 0 })
    expect(await indexNames(events)).toEqual(['_id_', 'at_1'])
  })
})

describe('createIndexes', () => {
  // createIndexes validates every spec before building any: one bad spec in the list creates none.
  // Source: manual "createIndexes" (the command builds the indexes as one operation) and
  // jstests/core/ddl/create_indexes.js ("one of the specs is invalid, no indexes are created").
  it('creates none of the indexes when one spec in the list is bad', async () => {
    const events = (await mongo.db()).collection('events')
    await events.insertOne({ at: new Date() })
    const error = await refusal(
      events.createIndexes([
        { key: { a: 1 } },
        { key: { at: 1, kind: 1 }, expireAfterSeconds: 10 },
        { key: { b: 1 } },
      ]),
    )
    expect(error.code).toBe(67)
    expect(await indexNames(events)).toEqual(['_id_'])
  })

  // Same name, other key: 86 IndexKeySpecsConflict. Same key and identifying options (collation,
  // partial filter), other name or other non-identifying options (expireAfterSeconds): 85
  // IndexOptionsConflict. An identical spec is a no-op. Source: manual "db.collection.createIndex()"
  // (Behaviors: Recreating an Existing Index; Index Options) and IndexCatalogImpl::_doesSpecConflictWithExisting.
  it('reports conflicts with mongod codes and treats an identical spec as a no-op', async () => {
    const events = (await mongo.db()).collection('events')
    await events.createIndex({ at: 1 }, { name: 'by_at', expireAfterSeconds: 60 })
    expect((await refusal(events.createIndex({ other: 1 }, { name: 'by_at' }))).code).toBe(86)
    expect(
      (await refusal(events.createIndex({ at: 1 }, { name: 'by_at', expireAfterSeconds: 5 }))).code,
    ).toBe(85)
    expect(
      (await refusal(events.createIndex({ at: 1 }, { name: 'again', expireAfterSeconds: 60 }))).code,
    ).toBe(85)
    expect(
      (await refusal(events.createIndex({ at: 1 }, { name: 'again', expireAfterSeconds: 5 }))).code,
    ).toBe(85)
    expect(await events.createIndex({ at: 1 }, { name: 'by_at', expireAfterSeconds: 60 })).toBe('by_at')
    // A different partial filter makes another index on the same key (index_partial_create_drop.js).
    await events.createIndex({ at: 1 }, { name: 'by_at_partial', partialFilterExpression: { kind: 'x' } })
    expect(await indexNames(events)).toEqual(['_id_', 'by_at', 'by_at_partial'])
  })

  // jstests/core/ddl/create_indexes.js: duplicate names in one list fail with 86; a spec without
  // 'key' fails with 9 FailedToParse and an unknown field with 197 InvalidIndexSpecificationOption,
  // and no index of the list is created.
  it('refuses a conflict or a malformed spec inside one createIndexes list and creates none of it', async () => {
    const db = await mongo.db()
    const events = db.collection('events')
    await events.insertOne({})
    const duplicateNames = await refusal(
      events.createIndexes([
        { key: { a: 1 }, name: 'same' },
        { key: { b: 1 }, name: 'same' },
      ]),
    )
    expect(duplicateNames.code).toBe(86)
    const missingKey = await refusal(
      db.command({ createIndexes: 'events', indexes: [{ key: { c: 1 }, name: 'c_1' }, { name: 'nokey' }] }),
    )
    expect(missingKey.code).toBe(9)
    const unknownField = await refusal(
      db.command({ createIndexes: 'events', indexes: [{ key: { c: 1 }, name: 'c_1', invalidField: 1 }] }),
    )
    expect(unknownField.code).toBe(197)
    expect(await indexNames(events)).toEqual(['_id_'])
  })
})
