import type { Document } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { useMongo } from '../../src/harness.js'
import { Collection } from '../../src/server/storage/collection.js'
import { stagesOf, winningPlan } from './explain-plan.js'

const mongo = await useMongo()

function scannedIndexes(explain: Document): string[] {
  return stagesOf(winningPlan(explain))
    .filter((stage) => stage.stage === 'IXSCAN')
    .map((stage) => String(stage.indexName))
}

// A query may use a partial index only when its filter implies the partialFilterExpression, so that
// every document the query can match is in the index (manual "Partial Indexes", Query Coverage: "to
// use the partial index, a query must contain the filter expression (or a modified filter expression
// that specifies a subset of the filter expression)"; SERVER-18800 for ranges and $in).
describe('partial index eligibility in explain', () => {
  it('plans a partial index when the query states its condition, the same or stricter', async () => {
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertMany([
      { key: 'a', priority: 7 },
      { key: 2, priority: 1 },
    ])
    await jobs.createIndex(
      { key: 1 },
      { name: 'by_key', partialFilterExpression: { key: { $type: 'string' } } },
    )
    await jobs.createIndex(
      { priority: 1 },
      { name: 'urgent', partialFilterExpression: { priority: { $gt: 5 } } },
    )
    const stated = await jobs.find({ key: { $eq: 'a', $type: 'string' } }).explain('queryPlanner')
    expect(scannedIndexes(stated)).toEqual(['by_key'])
    const inAnd = await jobs
      .find({ $and: [{ key: 'a' }, { key: { $type: 'string' } }] })
      .explain('queryPlanner')
    expect(scannedIndexes(inAnd)).toEqual(['by_key'])
    const stricterRange = await jobs.find({ priority: { $gte: 8 } }).explain('queryPlanner')
    expect(scannedIndexes(stricterRange)).toEqual(['urgent'])
    const pointsInRange = await jobs.find({ priority: { $in: [6, 9] } }).explain('queryPlanner')
    expect(scannedIndexes(pointsInRange)).toEqual(['urgent'])
  })

  it('does not plan a partial index for a query that may match documents outside it', async () => {
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertMany([{ state: 'pending', type: 'a', priority: 7 }])
    await jobs.createIndex(
      { type: 1 },
      { name: 'pending_by_type', partialFilterExpression: { state: 'pending' } },
    )
    await jobs.createIndex(
      { priority: 1 },
      { name: 'urgent', partialFilterExpression: { priority: { $gt: 5 } } },
    )
    for (const filter of [
      { type: 'a' },
      { type: 'a', state: 'done' },
      { type: 'a', state: { $in: ['pending', 'done'] } },
      { priority: 5 },
      { priority: { $gte: 5 } },
      { priority: { $in: [3, 9] } },
    ]) {
      const explain = await jobs.find(filter).explain('queryPlanner')
      expect(scannedIndexes(explain), JSON.stringify(filter)).toEqual([])
    }
  })

  it('does not infer $type from an equality (the in-process server is conservative)', async (context) => {
    // mongod may or may not take `{ key: 'a' }` to imply `{ key: { $type: 'string' } }` depending on
    // its revision (expression_algo.cpp); the in-process server never does, so tests that rely on a
    // partial index must state the filter's condition, which works on every mongod.
    mongo.require(context, 'inProcessServer')
    const jobs = (await mongo.db()).collection('jobs')
    await jobs.insertOne({ key: 'a' })
    await jobs.createIndex(
      { key: 1 },
      { name: 'by_key', partialFilterExpression: { key: { $type: 'string' } } },
    )
    expect(scannedIndexes(await jobs.find({ key: 'a' }).explain('queryPlanner'))).toEqual([])
  })
})

// The same rule decides which index the in-process server's own lookups read: a unit test of the
// storage layer (results never depend on it; a too generous rule would silently drop documents
// the index does not hold).
describe('partial index lookups in the in-process storage', () => {
  function collectionWithPartialIndex(): Collection {
    const collection = new Collection('db', 'jobs')
    collection.addIndexes([
      { v: 2, key: { key: 1 }, name: 'by_key', partialFilterExpression: { key: { $type: 'string' } } },
    ])
    collection.insert({ _id: 1, key: 'a' })
    collection.insert({ _id: 2, key: 1 })
    collection.insert({ _id: 3, other: true })
    return collection
  }

  it('reads the partial index only for a filter that states its condition', () => {
    const collection = collectionWithPartialIndex()
    const [index] = collection.indexes
    expect(index?.usableFor({ key: { $eq: 'a', $type: 'string' } })).toBe(true)
    expect(index?.usableFor({ key: 'a' })).toBe(false)
    expect(index?.usableFor({ key: { $in: ['a', 1] } })).toBe(false)
    expect(
      collection.candidates({ key: { $eq: 'a', $type: 'string' } }).map((record) => record.document._id),
    ).toEqual([1])
    expect(collection.candidates({ key: 1 })).toHaveLength(3)
  })
})
