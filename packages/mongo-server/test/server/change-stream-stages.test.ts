import type { Document } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { useMongo } from '../../src/harness.js'
import { nextEvents, opened, rejection } from './change-stream-reading.js'

const mongo = await useMongo()

/**
 * mongod: after `$changeStream` only `$match`, `$project`, `$addFields`, `$set`, `$unset`,
 * `$replaceRoot`, `$replaceWith` and `$redact` may follow, plus `$changeStreamSplitLargeEvent`
 * (7.0, and 6.0.9) as the last stage (manual, "Modify Change Stream Output" and
 * "$changeStreamSplitLargeEvent"; jstests/change_streams/allowlist.js). Any other stage fails the
 * aggregate with 20 IllegalOperation "<stage> is not permitted in a $changeStream pipeline"
 * (src/mongo/db/pipeline/pipeline.cpp); `$changeStreamSplitLargeEvent` before another stage fails
 * with 7182802, and `$changeStream` anywhere but first with 40602.
 */
describe('stages after $changeStream', () => {
  it('runs every allowed stage', async (context) => {
    mongo.require(context, 'changeStreams')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertOne({ seed: true })
    const pipeline = [
      { $match: { operationType: 'insert' } },
      { $addFields: { added: 1 } },
      { $set: { copied: '$fullDocument.n' } },
      { $project: { operationType: 1, fullDocument: 1, added: 1, copied: 1 } },
      { $unset: 'fullDocument' },
      { $redact: '$$DESCEND' },
      {
        $replaceRoot: {
          newRoot: { _id: '$_id', kind: '$operationType', added: '$added', copied: '$copied' },
        },
      },
      { $replaceWith: { _id: '$_id', kind: '$kind', total: { $add: ['$added', '$copied'] } } },
      { $changeStreamSplitLargeEvent: {} },
    ]
    const stream = await opened(jobs.watch(pipeline, { maxAwaitTimeMS: 100 }))
    await jobs.insertOne({ n: 41 })
    const [event] = await nextEvents(stream, 1)
    await stream.close()
    expect(Object.keys(event!).sort()).toEqual(['_id', 'kind', 'total'])
    expect(event).toMatchObject({ kind: 'insert', total: 42 })
  })

  it.for<Document>([
    { $group: { _id: '$operationType' } },
    { $sort: { _id: 1 } },
    { $skip: 1 },
    { $limit: 1 },
    { $sample: { size: 1 } },
    { $unwind: '$fullDocument.tags' },
    { $lookup: { from: 'other', as: 'joined', localField: '_id', foreignField: '_id' } },
    { $facet: { all: [{ $match: {} }] } },
  ])('refuses %o with 20 IllegalOperation', async (stage, context) => {
    mongo.require(context, 'changeStreams')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertOne({ seed: true })
    const stream = jobs.watch([{ $match: {} }, stage], { maxAwaitTimeMS: 100 })
    const error = await rejection(stream.tryNext())
    await stream.close()
    const name = Object.keys(stage)[0]
    expect(error.code).toBe(20)
    expect(error.codeName).toBe('IllegalOperation')
    expect(error.message).toBe(`${name} is not permitted in a $changeStream pipeline`)
  })

  it('refuses $changeStream anywhere but first with 40602', async (context) => {
    mongo.require(context, 'changeStreams')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertOne({ seed: true })
    const error = await rejection(jobs.aggregate([{ $match: {} }, { $changeStream: {} }]).toArray())
    expect(error.code).toBe(40602)
    expect(error.message).toBe('$changeStream is only valid as the first stage in a pipeline.')
  })

  it('refuses $changeStreamSplitLargeEvent before another stage with 7182802', async (context) => {
    mongo.require(context, 'changeStreams')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertOne({ seed: true })
    const stream = jobs.watch([{ $changeStreamSplitLargeEvent: {} }, { $match: {} }], { maxAwaitTimeMS: 100 })
    const error = await rejection(stream.tryNext())
    await stream.close()
    expect(error.code).toBe(7182802)
    expect(error.message).toMatch(/\$changeStreamSplitLargeEvent must be the last stage in the pipeline/)
  })
})

/**
 * mongod: a stage that removes or changes an event's `_id` (its resume token) makes the stream fail
 * with 280 ChangeStreamFatalError when such an event is produced, not when the stream is opened
 * (src/mongo/db/pipeline/change_stream_... "Encountered an event whose _id field, which contains the
 * resume token, was modified by the pipeline"; manual, "Modify Change Stream Output"). The error
 * carries the NonResumableChangeStreamError label (change-streams spec, change-streams.json "Test
 * server error on projecting out _id"), so the driver does not resume: it closes the stream.
 */
describe('the resume token of a change event', () => {
  it.for<Document>([
    { $project: { _id: 0, operationType: 1 } },
    { $unset: '_id' },
    { $addFields: { _id: 'replaced' } },
    { $replaceRoot: { newRoot: { kind: '$operationType' } } },
  ])('may not be modified: %o fails with 280 on the first event', async (stage, context) => {
    mongo.require(context, 'changeStreams')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertOne({ seed: true })
    const stream = await opened(jobs.watch([stage], { maxAwaitTimeMS: 100 }))
    await jobs.insertOne({ n: 1 })
    const error = await rejection(nextEvents(stream, 1))
    expect(error.code).toBe(280)
    expect(error.codeName).toBe('ChangeStreamFatalError')
    expect(error.errorLabels).toContain('NonResumableChangeStreamError')
    expect(error.message).toMatch(/_id field, which contains the resume token, was modified by the pipeline/)
    expect(stream.closed).toBe(true)
    await stream.close()
  })
})
