/**
 * Reads the winning plan out of an `explain` reply, whichever shape the server used:
 * - classic engine: `queryPlanner.winningPlan.{ stage, inputStage | inputStages }`
 * - slot-based engine (MongoDB 7+): the same tree under `queryPlanner.winningPlan.queryPlan`
 * - aggregate: `stages[0].$cursor.queryPlanner` when the pipeline was not pushed down whole
 * - sharded: `winningPlan.shards[].winningPlan` (each shard's plan is read)
 */

type PlanNode = Record<string, unknown>

/** Stages that read an index. */
const INDEX_STAGES = new Set([
  'IXSCAN',
  'EXPRESS_IXSCAN',
  'COUNT_SCAN',
  'DISTINCT_SCAN',
  'IDHACK',
  'EXPRESS_IDHACK',
])

/** Stages that sort in memory (they read every match before returning the first). */
const BLOCKING_SORT_STAGES = new Set(['SORT'])

export interface PlanReading {
  /** Stage names, root first (depth first). */
  stages: string[]
  /** The indexes the plan reads, in order of appearance, without repeats. */
  indexNames: string[]
  /** The plan scans the whole collection. */
  collectionScan: boolean
  /** The plan sorts in memory instead of reading in index order. */
  blockingSort: boolean
  /** The collection does not exist (`EOF` plan): nothing to judge. */
  empty: boolean
  /** Which layout the reply had. */
  shape: 'classic' | 'sbe' | 'aggregate' | 'sharded'
}

function isNode(value: unknown): value is PlanNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The `queryPlanner` section of a find or aggregate explain. */
function queryPlannerOf(explain: PlanNode): { planner: PlanNode; aggregate: boolean } | undefined {
  if (isNode(explain.queryPlanner)) return { planner: explain.queryPlanner, aggregate: false }
  if (Array.isArray(explain.stages)) {
    const first = explain.stages[0]
    const cursor = isNode(first) && isNode(first.$cursor) ? first.$cursor : undefined
    if (cursor !== undefined && isNode(cursor.queryPlanner))
      return { planner: cursor.queryPlanner, aggregate: true }
  }
  return undefined
}

function roots(winningPlan: PlanNode): { nodes: PlanNode[]; sbe: boolean; sharded: boolean } {
  if (Array.isArray(winningPlan.shards)) {
    const nodes = winningPlan.shards
      .filter(isNode)
      .map((shard) => (isNode(shard.winningPlan) ? shard.winningPlan : undefined))
      .filter((node): node is PlanNode => node !== undefined)
      .map((node) => (isNode(node.queryPlan) ? node.queryPlan : node))
    return { nodes, sbe: false, sharded: true }
  }
  if (isNode(winningPlan.queryPlan)) return { nodes: [winningPlan.queryPlan], sbe: true, sharded: false }
  return { nodes: [winningPlan], sbe: false, sharded: false }
}

export function readWinningPlan(explain: unknown): PlanReading {
  if (!isNode(explain)) throw new Error('explain returned no document')
  const found = queryPlannerOf(explain)
  if (found === undefined || !isNode(found.planner.winningPlan)) {
    throw new Error('explain returned no queryPlanner.winningPlan')
  }
  const { nodes, sbe, sharded } = roots(found.planner.winningPlan)
  const stages: string[] = []
  const indexNames: string[] = []
  const visit = (node: PlanNode) => {
    const stage = typeof node.stage === 'string' ? node.stage : 'UNKNOWN'
    stages.push(stage)
    if (INDEX_STAGES.has(stage)) {
      const name =
        typeof node.indexName === 'string' ? node.indexName : stage === 'IDHACK' ? '_id_' : undefined
      if (name !== undefined && !indexNames.includes(name)) indexNames.push(name)
    }
    if (isNode(node.inputStage)) visit(node.inputStage)
    if (Array.isArray(node.inputStages)) for (const child of node.inputStages) if (isNode(child)) visit(child)
    // Some stages (OR in older servers, $lookup plans) name children differently.
    if (isNode(node.outerStage)) visit(node.outerStage)
    if (isNode(node.innerStage)) visit(node.innerStage)
  }
  for (const node of nodes) visit(node)
  return {
    stages,
    indexNames,
    collectionScan: stages.includes('COLLSCAN'),
    blockingSort: stages.some((stage) => BLOCKING_SORT_STAGES.has(stage)),
    empty: stages.length > 0 && stages.every((stage) => stage === 'EOF'),
    shape: sharded ? 'sharded' : found.aggregate ? 'aggregate' : sbe ? 'sbe' : 'classic',
  }
}

/** What is wrong with a claim plan, one sentence each; empty when it reads `indexName` in order. */
export function claimPlanProblems(plan: PlanReading, indexName: string): string[] {
  if (plan.empty) return []
  const problems: string[] = []
  if (plan.collectionScan) problems.push('the claim query scans the whole collection (COLLSCAN)')
  const others = plan.indexNames.filter((name) => name !== indexName)
  if (!plan.indexNames.includes(indexName)) {
    problems.push(
      others.length > 0
        ? `the claim query uses ${others.join(', ')} instead of ${indexName}`
        : `the claim query does not use ${indexName}`,
    )
  } else if (others.length > 0) {
    problems.push(`the claim query also reads ${others.join(', ')} besides ${indexName}`)
  }
  if (plan.blockingSort)
    problems.push('the claim query sorts in memory (SORT stage): its index does not give the claim order')
  return problems
}
