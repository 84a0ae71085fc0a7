import { describe, expect, it } from 'vitest'
import { claimPlanProblems, readWinningPlan } from './read-plan.js'

const claimScan = {
  stage: 'IXSCAN',
  indexName: 'durabl_claim',
  keyPattern: { type: 1, priority: 1, runAt: 1, _id: 1 },
}

describe('readWinningPlan', () => {
  it('reads the classic shape', () => {
    const plan = readWinningPlan({
      queryPlanner: {
        winningPlan: { stage: 'LIMIT', inputStage: { stage: 'FETCH', inputStage: claimScan } },
      },
    })
    expect(plan).toMatchObject({
      stages: ['LIMIT', 'FETCH', 'IXSCAN'],
      indexNames: ['durabl_claim'],
      shape: 'classic',
    })
    expect(claimPlanProblems(plan, 'durabl_claim')).toEqual([])
  })

  it('reads the slot-based engine shape (winningPlan.queryPlan)', () => {
    const plan = readWinningPlan({
      explainVersion: '2',
      queryPlanner: {
        winningPlan: {
          queryPlan: { stage: 'LIMIT', planNodeId: 3, inputStage: { stage: 'FETCH', inputStage: claimScan } },
          slotBasedPlan: { slots: '...', stages: '...' },
        },
      },
    })
    expect(plan).toMatchObject({ indexNames: ['durabl_claim'], blockingSort: false, shape: 'sbe' })
  })

  it('reads a SORT_MERGE of several scans as sorted, without a blocking sort', () => {
    const plan = readWinningPlan({
      queryPlanner: {
        winningPlan: {
          stage: 'FETCH',
          inputStage: { stage: 'SORT_MERGE', inputStages: [claimScan, { ...claimScan }] },
        },
      },
    })
    expect(plan.stages).toEqual(['FETCH', 'SORT_MERGE', 'IXSCAN', 'IXSCAN'])
    expect(claimPlanProblems(plan, 'durabl_claim')).toEqual([])
  })

  it('reads an aggregate $cursor stage and per-shard plans', () => {
    const aggregate = readWinningPlan({
      stages: [{ $cursor: { queryPlanner: { winningPlan: { stage: 'COLLSCAN' } } } }, { $group: {} }],
    })
    expect(aggregate).toMatchObject({ shape: 'aggregate', collectionScan: true })
    const sharded = readWinningPlan({
      queryPlanner: {
        winningPlan: {
          stage: 'SHARD_MERGE',
          shards: [
            { shardName: 'a', winningPlan: { stage: 'FETCH', inputStage: claimScan } },
            {
              shardName: 'b',
              winningPlan: { queryPlan: { stage: 'SORT', inputStage: { stage: 'COLLSCAN' } } },
            },
          ],
        },
      },
    })
    expect(sharded).toMatchObject({ shape: 'sharded', collectionScan: true, blockingSort: true })
  })

  it('names every problem of a bad claim plan', () => {
    const plan = readWinningPlan({
      queryPlanner: {
        winningPlan: {
          stage: 'SORT',
          inputStage: { stage: 'FETCH', inputStage: { stage: 'IXSCAN', indexName: 'durabl_state_type' } },
        },
      },
    })
    expect(claimPlanProblems(plan, 'durabl_claim')).toEqual([
      'the claim query uses durabl_state_type instead of durabl_claim',
      'the claim query sorts in memory (SORT stage): its index does not give the claim order',
    ])
    const scan = readWinningPlan({ queryPlanner: { winningPlan: { stage: 'COLLSCAN' } } })
    expect(claimPlanProblems(scan, 'durabl_claim')).toEqual([
      'the claim query scans the whole collection (COLLSCAN)',
      'the claim query does not use durabl_claim',
    ])
  })

  it('treats an EOF plan (no collection) as nothing to judge, and refuses a reply without a plan', () => {
    const plan = readWinningPlan({ queryPlanner: { winningPlan: { stage: 'EOF' } } })
    expect(plan.empty).toBe(true)
    expect(claimPlanProblems(plan, 'durabl_claim')).toEqual([])
    expect(() => readWinningPlan({ ok: 1 })).toThrow('no queryPlanner.winningPlan')
  })
})
