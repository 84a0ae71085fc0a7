import { type Db, MongoServerError } from 'mongodb'
import { afterEach, describe, expect, it } from 'vitest'
import { useMongo } from '../../src/harness.js'

const mongo = await useMongo()

async function refusal(promise: Promise<unknown>): Promise<MongoServerError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(MongoServerError)
  return error as MongoServerError
}

async function jobs() {
  const collection = (await mongo.db()).collection('jobs')
  await collection.insertMany([
    { state: 'pending', n: 1 },
    { state: 'done', n: 2 },
  ])
  await collection.createIndex({ state: 1 }, { name: 'by_state' })
  return collection
}

describe('hint', () => {
  // A hint that names no index of the collection fails with 2 BadValue "hint provided does not
  // correspond to an existing index" (query planner, query_planner.cpp; manual "cursor.hint()" and
  // the `hint` field of find, aggregate, count, update, delete and findAndModify), for reads and
  // for write statements alike; a hint by name or key pattern of an existing index is accepted.
  it('refuses a hint to a missing index in reads and writes', async () => {
    const collection = await jobs()
    const hint = 'no_such_index'
    const attempts: (() => Promise<unknown>)[] = [
      () => collection.find({ state: 'pending' }, { hint }).toArray(),
      () => collection.aggregate([{ $match: { state: 'pending' } }], { hint }).toArray(),
      () => collection.countDocuments({ state: 'pending' }, { hint }),
      () => collection.updateOne({ state: 'pending' }, { $set: { n: 3 } }, { hint }),
      () => collection.deleteOne({ state: 'pending' }, { hint }),
      () => collection.findOneAndUpdate({ state: 'pending' }, { $set: { n: 3 } }, { hint: { missing: 1 } }),
      () => collection.find({ state: 'pending' }, { hint: { missing: 1 } }).toArray(),
    ]
    for (const attempt of attempts) {
      const error = await refusal(attempt())
      expect(error.code).toBe(2)
      expect(error.message).toMatch(/hint provided does not correspond to an existing index/)
    }
    expect(await collection.countDocuments({ n: 3 })).toBe(0)
  })

  it('accepts a hint by name, by key pattern and $natural', async () => {
    const collection = await jobs()
    expect(await collection.find({ state: 'pending' }, { hint: 'by_state' }).toArray()).toHaveLength(1)
    expect(await collection.find({ state: 'pending' }, { hint: { state: 1 } }).toArray()).toHaveLength(1)
    expect(await collection.find({}, { hint: { $natural: 1 } }).toArray()).toHaveLength(2)
    const updated = await collection.updateOne({ state: 'done' }, { $set: { n: 5 } }, { hint: 'by_state' })
    expect(updated.modifiedCount).toBe(1)
  })
})

describe('maxTimeMS', () => {
  // maxTimeMS must be a non-negative 32-bit integer; otherwise 2 BadValue ("... value for maxTimeMS
  // is out of range"); manual "cursor.maxTimeMS()" and the maxTimeMS field of each command.
  it('refuses a negative maxTimeMS with 2', async () => {
    const collection = await jobs()
    const error = await refusal(collection.find({}).maxTimeMS(-1).toArray())
    expect(error.code).toBe(2)
  })

  let failPointDb: Db | undefined
  afterEach(async () => {
    await failPointDb?.admin().command({ configureFailPoint: 'maxTimeAlwaysTimeOut', mode: 'off' })
    failPointDb = undefined
  })

  // mongod's `maxTimeAlwaysTimeOut` fail point makes every operation that carries a maxTimeMS fail
  // with 50 MaxTimeMSExpired at its first interrupt check, as if its time were up; operations
  // without maxTimeMS are unaffected (jstests/core/query/explain/explain_agg_write_concern... and the
  // drivers' "max time" spec tests use it). It needs test commands (enableTestCommands=1): the test
  // is skipped, with the reason, on a deployment that refuses configureFailPoint.
  it('fails reads and findAndModify that carry a maxTimeMS with 50 when the time is up', async (context) => {
    const collection = await jobs()
    const admin = mongo.client().db('admin')
    const enabled = await admin
      .command({ configureFailPoint: 'maxTimeAlwaysTimeOut', mode: 'alwaysOn' })
      .then(
        () => undefined,
        (caught: unknown) => (caught as Error).message,
      )
    if (enabled !== undefined) context.skip(`configureFailPoint is not available on this target: ${enabled}`)
    failPointDb = mongo.client().db('admin')
    const timed: (() => Promise<unknown>)[] = [
      () => collection.find({ state: 'pending' }).maxTimeMS(60_000).toArray(),
      () => collection.aggregate([{ $match: { state: 'pending' } }], { maxTimeMS: 60_000 }).toArray(),
      () => collection.countDocuments({}, { maxTimeMS: 60_000 }),
      () => collection.findOneAndUpdate({ state: 'pending' }, { $set: { n: 9 } }, { maxTimeMS: 60_000 }),
    ]
    for (const attempt of timed) expect((await refusal(attempt())).code).toBe(50)
    expect(await collection.find({ state: 'pending' }).toArray()).toHaveLength(1)
    expect(await collection.countDocuments({ n: 9 })).toBe(0)
  })
})

describe('options the in-process server does not implement', () => {
  // Not mongod behaviour: mongod implements collations and `let`. The in-process server refuses them
  // with 238 NotImplemented instead of ignoring them, so no test can pass by accident.
  it('refuses collations and let variables instead of ignoring them', async (context) => {
    mongo.require(context, 'inProcessServer')
    const collection = await jobs()
    const collation = { locale: 'en', strength: 2 }
    const refused: (() => Promise<unknown>)[] = [
      () => collection.find({ state: 'PENDING' }, { collation }).toArray(),
      () => collection.aggregate([{ $match: { state: 'PENDING' } }], { collation }).toArray(),
      () => collection.countDocuments({ state: 'PENDING' }, { collation }),
      () => collection.updateOne({ state: 'PENDING' }, { $set: { n: 3 } }, { collation }),
      () => collection.deleteMany({ state: 'PENDING' }, { collation }),
      () => collection.findOneAndDelete({ state: 'PENDING' }, { collation }),
      () => collection.createIndex({ n: 1 }, { collation }),
      () =>
        collection.find({ $expr: { $eq: ['$state', '$$wanted'] } }, { let: { wanted: 'pending' } }).toArray(),
      () => collection.updateMany({}, { $set: { n: 3 } }, { let: { wanted: 1 } }),
    ]
    for (const attempt of refused) {
      const error = await refusal(attempt())
      expect(error.code).toBe(238)
      expect(error.message).toMatch(/not supported by the in-process MongoDB server/)
    }
    expect(await collection.find({}, { collation: { locale: 'simple' } }).toArray()).toHaveLength(2)
  })
})
