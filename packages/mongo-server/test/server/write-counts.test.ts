import {
  type AnyClientBulkWriteModel,
  type Collection,
  type Document,
  MongoBulkWriteError,
  MongoClientBulkWriteError,
} from 'mongodb'
import { describe, expect, it } from 'vitest'
import { useMongo } from '../../src/harness.js'

const mongo = await useMongo()

// A write statement refused with 11000 DuplicateKey contributes nothing to the reply's `n` (inserted
// or matched) or `nModified`: mongod adds a statement's counts only when it succeeds, and a failed
// statement is reported in `writeErrors` alone (write_ops_exec.cpp performUpdates/performInserts;
// manual "Bulk Write Operations": ordered lists stop at the first error, unordered ones go on).
// The driver sums those counts into BulkWriteResult (driver src/bulk/common.ts mergeBatchResults).

async function usersWithUniqueEmail(): Promise<Collection<Document>> {
  const users = (await mongo.db()).collection('users')
  await users.createIndex({ email: 1 }, { unique: true })
  await users.insertMany([
    { _id: 1 as never, email: 'a' },
    { _id: 2 as never, email: 'b' },
  ])
  return users
}

async function bulkError(promise: Promise<unknown>): Promise<MongoBulkWriteError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(MongoBulkWriteError)
  return error as MongoBulkWriteError
}

describe('write counts leave out statements refused with 11000', () => {
  it('an ordered bulkWrite counts the writes before the duplicate and nothing of it', async () => {
    const users = await usersWithUniqueEmail()
    const error = await bulkError(
      users.bulkWrite([
        { updateOne: { filter: { _id: 1 as never }, update: { $set: { name: 'one' } } } },
        { updateOne: { filter: { _id: 2 as never }, update: { $set: { email: 'a' } } } },
        { updateOne: { filter: { _id: 2 as never }, update: { $set: { name: 'two' } } } },
      ]),
    )
    expect(error.writeErrors).toMatchObject([{ index: 1, code: 11000 }])
    expect(error.result.matchedCount).toBe(1)
    expect(error.result.modifiedCount).toBe(1)
    expect(await users.findOne({ _id: 2 as never })).toEqual({ _id: 2, email: 'b' })
  })

  it('an unordered bulkWrite counts every write that happened and none that was refused', async () => {
    const users = await usersWithUniqueEmail()
    const error = await bulkError(
      users.bulkWrite(
        [
          { updateOne: { filter: { _id: 2 as never }, update: { $set: { email: 'a' } } } },
          { insertOne: { document: { _id: 3 as never, email: 'b' } } },
          { replaceOne: { filter: { _id: 9 as never }, replacement: { email: 'a' }, upsert: true } },
          { updateOne: { filter: { _id: 1 as never }, update: { $set: { name: 'one' } } } },
          { insertOne: { document: { _id: 4 as never, email: 'd' } } },
        ],
        { ordered: false },
      ),
    )
    const refused = [error.writeErrors].flat().map((writeError) => [writeError.index, writeError.code])
    expect(refused.sort((left, right) => Number(left[0]) - Number(right[0]))).toEqual([
      [0, 11000],
      [1, 11000],
      [2, 11000],
    ])
    expect(error.result.matchedCount).toBe(1)
    expect(error.result.modifiedCount).toBe(1)
    expect(error.result.insertedCount).toBe(1)
    expect(error.result.upsertedCount).toBe(0)
    expect(await users.countDocuments()).toBe(3)
  })

  it('insertMany unordered reports only the inserted documents', async () => {
    const users = await usersWithUniqueEmail()
    const error = await bulkError(
      users.insertMany([{ email: 'c' }, { email: 'a' }, { email: 'b' }, { email: 'd' }], { ordered: false }),
    )
    expect(error.result.insertedCount).toBe(2)
    expect(error.writeErrors).toHaveLength(2)
  })

  it('an updateMany that hits a unique conflict adds nothing to the counts', async () => {
    // The failed statement's reply is its error alone, even though a multi-update is not atomic and
    // documents it reached before the conflict stay updated (manual "Atomicity and Transactions").
    const users = await usersWithUniqueEmail()
    const error = await bulkError(
      users.bulkWrite([{ updateMany: { filter: {}, update: { $set: { email: 'same' } } } }]),
    )
    expect(error.writeErrors).toMatchObject([{ index: 0, code: 11000 }])
    expect(error.result.matchedCount).toBe(0)
    expect(error.result.modifiedCount).toBe(0)
    expect(await users.countDocuments({ email: 'same' })).toBeLessThanOrEqual(1)
  })

  it('MongoClient.bulkWrite (the bulkWrite command) counts only the writes that happened', async (context) => {
    const version = (await mongo.client().db('admin').command({ buildInfo: 1 })).version as string
    if (mongo.target.kind !== 'in-process' && Number(version.split('.')[0]) < 8) {
      context.skip(`MongoClient.bulkWrite needs MongoDB 8.0; the ${mongo.target.kind} target runs ${version}`)
    }
    const users = await usersWithUniqueEmail()
    const namespace = users.namespace
    const models: AnyClientBulkWriteModel<Document>[] = [
      { name: 'updateOne', namespace, filter: { _id: 2 as never }, update: { $set: { email: 'a' } } },
      { name: 'insertOne', namespace, document: { _id: 3 as never, email: 'b' } },
      { name: 'updateOne', namespace, filter: { _id: 1 as never }, update: { $set: { name: 'one' } } },
      { name: 'insertOne', namespace, document: { _id: 4 as never, email: 'd' } },
    ]
    const error = await mongo
      .client()
      .bulkWrite(models, { ordered: false })
      .then(
        () => undefined,
        (caught: unknown) => caught,
      )
    expect(error).toBeInstanceOf(MongoClientBulkWriteError)
    const partial = (error as MongoClientBulkWriteError).partialResult
    expect([...(error as MongoClientBulkWriteError).writeErrors.keys()].sort()).toEqual([0, 1])
    expect(partial?.matchedCount).toBe(1)
    expect(partial?.modifiedCount).toBe(1)
    expect(partial?.insertedCount).toBe(1)
  })
})
