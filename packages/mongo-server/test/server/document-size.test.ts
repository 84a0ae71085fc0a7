import { type Collection, type Document, MongoBulkWriteError, MongoServerError } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { useMongo } from '../../src/harness.js'

const mongo = await useMongo()

// A BSON document may be at most 16 MiB (16777216 bytes; manual "MongoDB Limits and Thresholds",
// BSON Document Size). mongod refuses a document over it with one of three errors
// (jstests/core/max_doc_size.js): an insert with 2 BadValue "object to insert too large", an update
// that grows a document with 17419 "Resulting document after update is larger than 16777216" (that
// test also accepts 8375908 from newer branches), an upsert with 17420. In a batch each refusal is a
// write error of its statement: an unordered batch applies the other writes.
//
// What the driver (mongodb 7) does itself: insertMany and bulkWrite refuse a document at or over
// maxBsonObjectSize client-side (MongoInvalidArgumentError, "Document is larger than the maximum
// size"), before anything is sent; insertOne sends it, so the server's refusal is what the caller
// sees. Growth by an update is only ever seen by the server, so most cases here grow documents.

const maxBytes = 16 * 1024 * 1024
const updateTooLarge = [17419, 8375908]
const nineMiB = 'x'.repeat(9 * 1024 * 1024)

async function refusal(promise: Promise<unknown>): Promise<MongoServerError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(MongoServerError)
  return error as MongoServerError
}

/** A collection holding `{ _id: 1, big: <9 MiB> }` and a small `{ _id: 2 }`. */
async function withLargeDocument(): Promise<Collection<Document>> {
  const items = (await mongo.db()).collection('items')
  await items.insertOne({ _id: 1 as never, big: nineMiB })
  await items.insertOne({ _id: 2 as never, small: 1 })
  return items
}

describe('documents over 16 MiB', () => {
  it('refuses an insert over the limit with 2, and accepts one just under it', async () => {
    const db = await mongo.db()
    const items = db.collection('items')
    const overhead = 30 // _id (int), field name and string framing stay well under this
    const error = await refusal(items.insertOne({ _id: 1 as never, x: 'a'.repeat(maxBytes) }))
    expect(error.code).toBe(2)
    expect(error.message).toMatch(/object to insert too large/)
    await items.insertOne({ _id: 2 as never, x: 'a'.repeat(maxBytes - overhead) })
    expect(await items.countDocuments()).toBe(1)
  })

  it('refuses an update that grows a document past the limit with 17419 and leaves it unchanged', async () => {
    const items = await withLargeDocument()
    const error = await refusal(items.updateOne({ _id: 1 as never }, { $set: { more: nineMiB } }))
    expect(updateTooLarge).toContain(error.code)
    const stored = await items.findOne({ _id: 1 as never }, { projection: { more: 1 } })
    expect(stored).toEqual({ _id: 1 })
  })

  it('refuses growth by a pipeline update and by findOneAndUpdate the same way', async () => {
    const items = await withLargeDocument()
    const pipeline = await refusal(items.updateOne({ _id: 1 as never }, [{ $set: { copy: '$big' } }]))
    expect(updateTooLarge).toContain(pipeline.code)
    const findAndModify = await refusal(
      items.findOneAndUpdate({ _id: 1 as never }, { $set: { more: nineMiB } }, { returnDocument: 'after' }),
    )
    expect(updateTooLarge).toContain(findAndModify.code)
    expect(await items.countDocuments({ copy: { $exists: true } })).toBe(0)
  })

  it('refuses an upsert that would insert a document over the limit with 17420', async () => {
    const items = (await mongo.db()).collection('items')
    const pipelineUpsert = [{ $set: { big: nineMiB } }, { $set: { copy: '$big' } }]
    const error = await refusal(items.updateOne({ _id: 7 as never }, pipelineUpsert, { upsert: true }))
    expect(error.code).toBe(17420)
    const viaFindAndModify = await refusal(
      items.findOneAndUpdate({ _id: 7 as never }, pipelineUpsert, { upsert: true }),
    )
    expect(viaFindAndModify.code).toBe(17420)
    expect(await items.countDocuments()).toBe(0)
  })

  it('applies the other writes of an unordered batch and reports the refused one', async () => {
    const items = await withLargeDocument()
    const error = await items
      .bulkWrite(
        [
          { updateOne: { filter: { _id: 1 as never }, update: { $set: { more: nineMiB } } } },
          { updateOne: { filter: { _id: 2 as never }, update: { $set: { small: 2 } } } },
        ],
        { ordered: false },
      )
      .then(
        () => undefined,
        (caught: unknown) => caught,
      )
    expect(error).toBeInstanceOf(MongoBulkWriteError)
    const bulk = error as MongoBulkWriteError
    const writeErrors = [bulk.writeErrors].flat()
    expect(writeErrors).toHaveLength(1)
    expect(writeErrors[0]?.index).toBe(0)
    expect(updateTooLarge).toContain(writeErrors[0]?.code)
    expect(bulk.result.modifiedCount).toBe(1)
    expect(await items.findOne({ _id: 2 as never })).toEqual({ _id: 2, small: 2 })
  })
})
