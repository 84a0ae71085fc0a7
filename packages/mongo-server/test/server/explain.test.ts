import { type Document, MongoServerError } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { useMongo } from '../../src/harness.js'
import { stagesOf, winningPlan } from './explain-plan.js'

const mongo = await useMongo()

function stageNames(explain: Document): string[] {
  return stagesOf(winningPlan(explain)).map((stage) => String(stage.stage))
}

function indexScans(explain: Document): Document[] {
  return stagesOf(winningPlan(explain)).filter((stage) => stage.stage === 'IXSCAN')
}

async function jobsCollection() {
  const jobs = (await mongo.db()).collection('jobs')
  await jobs.insertMany([
    { state: 'pending', type: 'a', priority: 0, runAt: new Date(1_000) },
    { state: 'pending', type: 'b', priority: 1, runAt: new Date(2_000) },
    { state: 'completed', type: 'a', priority: 0, runAt: new Date(3_000) },
  ])
  return jobs
}

describe('explain', () => {
  it('reports an IXSCAN with the index name and key pattern for an equality on an indexed field', async () => {
    const jobs = await jobsCollection()
    await jobs.createIndex({ type: 1 }, { name: 'by_type' })
    const explain = await jobs.find({ type: 'a' }).explain('queryPlanner')
    expect(stageNames(explain)).toContain('FETCH')
    const [scan] = indexScans(explain)
    expect(scan).toMatchObject({ stage: 'IXSCAN', indexName: 'by_type', keyPattern: { type: 1 } })
  })

  it('reports a COLLSCAN without a usable index, and a blocking SORT for a sort no index gives', async () => {
    const jobs = await jobsCollection()
    expect(stageNames(await jobs.find({ type: 'a' }).explain('queryPlanner'))).toEqual(['COLLSCAN'])
    const sorted = stageNames(
      await jobs.find({ type: 'a' }).sort({ runAt: 1 }).limit(5).explain('queryPlanner'),
    )
    expect(sorted).toContain('SORT')
    expect(sorted.at(-1)).toBe('COLLSCAN')
  })

  it('reads in index order when an equality prefix and the sort fields form the index: no SORT', async () => {
    const jobs = await jobsCollection()
    await jobs.createIndex({ type: 1, priority: 1, runAt: 1 }, { name: 'by_type_order' })
    const explain = await jobs
      .find({ type: 'a' })
      .sort({ priority: 1, runAt: 1 })
      .limit(10)
      .explain('queryPlanner')
    const names = stageNames(explain)
    expect(names).not.toContain('SORT')
    expect(names).not.toContain('COLLSCAN')
    expect(indexScans(explain)[0]?.indexName).toBe('by_type_order')
  })

  it('uses a partial index only when the filter implies its partialFilterExpression', async () => {
    const jobs = await jobsCollection()
    await jobs.createIndex(
      { type: 1, priority: 1, runAt: 1, _id: 1 },
      { name: 'claim', partialFilterExpression: { state: 'pending' } },
    )
    const sort = { priority: 1, runAt: 1, _id: 1 } as const
    const claim = await jobs
      .find({ state: 'pending', type: 'a', runAt: { $lte: new Date(5_000) } }, { sort, limit: 10 })
      .explain('queryPlanner')
    expect(indexScans(claim).map((scan) => scan.indexName)).toEqual(['claim'])
    expect(stageNames(claim)).not.toContain('SORT')

    const notImplied = await jobs.find({ type: 'a' }, { sort, limit: 10 }).explain('queryPlanner')
    expect(stageNames(notImplied)).toContain('COLLSCAN')
  })

  it('merges one sorted scan per $in value (SORT_MERGE) instead of sorting', async () => {
    const jobs = await jobsCollection()
    await jobs.createIndex({ type: 1, priority: 1 }, { name: 'by_type_priority' })
    const explain = await jobs
      .find({ type: { $in: ['a', 'b'] } }, { sort: { priority: 1 }, limit: 10 })
      .explain('queryPlanner')
    const names = stageNames(explain)
    expect(names).toContain('SORT_MERGE')
    expect(names).not.toContain('SORT')
    expect(indexScans(explain)).toHaveLength(2)
  })

  it('explains an aggregate: a pushed-down $match, and a $cursor stage before a $group', async () => {
    const jobs = await jobsCollection()
    await jobs.createIndex({ state: 1, type: 1 }, { name: 'by_state_type' })
    const matchOnly = await jobs.aggregate([{ $match: { state: 'pending' } }]).explain('queryPlanner')
    expect(indexScans(matchOnly)[0]?.indexName).toBe('by_state_type')
    const grouped = await jobs
      .aggregate([{ $match: { state: 'pending' } }, { $group: { _id: '$type', count: { $sum: 1 } } }])
      .explain('queryPlanner')
    expect(indexScans(grouped)[0]?.indexName).toBe('by_state_type')
  })

  it('answers EOF for a collection that does not exist, and refuses what it cannot explain', async (context) => {
    mongo.require(context, 'inProcessServer')
    const db = await mongo.db()
    expect(stageNames(await db.collection('nothing').find({ a: 1 }).explain('queryPlanner'))).toEqual(['EOF'])
    const refused = await db
      .command({ explain: { count: 'nothing', query: {} }, verbosity: 'queryPlanner' })
      .catch((caught: unknown) => caught)
    expect(refused).toBeInstanceOf(MongoServerError)
    expect((refused as MongoServerError).message).toMatch(/not supported/)
  })

  it('adds executionStats for the executionStats verbosity', async (context) => {
    mongo.require(context, 'inProcessServer')
    const jobs = await jobsCollection()
    const explain = await jobs.find({ state: 'pending' }).explain('executionStats')
    expect(explain.executionStats).toMatchObject({ executionSuccess: true, nReturned: 2 })
  })
})
