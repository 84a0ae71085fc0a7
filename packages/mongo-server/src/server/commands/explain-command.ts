import { ObjectId } from 'bson'
import { type Document, isPlainObject, numberArgument, toPlain } from '../bson-values.js'
import { errorCodes, MongoCommandError, notSupported } from '../errors.js'
import { refuseUnsupportedOptions } from '../query/command-options.js'
import { impliesPartialFilter } from '../query/implies-partial-filter.js'
import { selectRecords } from '../query/select-records.js'
import type { Collection } from '../storage/collection.js'
import type { CommandContext, CommandHandler } from './command-context.js'
import { reportedVersion } from './hello-reply.js'

/**
 * A minimal `explain` for `find` and `aggregate`, so tools that read query plans (the durabl CLI's
 * `indexes check`) can be tested in-process. It answers in the classic-engine shape of MongoDB 7
 * (`queryPlanner.winningPlan` with nested `inputStage`/`inputStages`) and plans the way mongod's
 * planner would for simple filters, which is not always how this server executes a query:
 *
 * - An index is a candidate when its leading field has an equality, `$in` or range predicate, or
 *   when it gives the requested sort order. A partial index is a candidate only when the filter
 *   states the conditions of its `partialFilterExpression` itself, the same or stricter
 *   (`query/implies-partial-filter.ts`, shared with the server's own index lookups). That is never
 *   more generous than mongod: an equality on a string does not qualify for a `$type: 'string'`
 *   filter, which mongod cannot be relied on to accept either.
 * - A plan that gives the sort order (equality prefix, then the sort fields in index order, one
 *   direction) beats one that needs a blocking `SORT`; then more bounded leading fields win.
 *   An `$in` on the equality prefix gives a `SORT_MERGE` of one `IXSCAN` per value.
 * - Otherwise `COLLSCAN`, plus `SORT` when a sort was asked for.
 *
 * Index bounds are rendered approximately; `$or` and `$expr` are not planned (a `COLLSCAN` or a
 * narrower plan than mongod's, never a wider one); `hint`, collations and `let` are refused. The
 * choice between candidate plans is a fixed ranking, where mongod races them.
 * Verbosities other than `queryPlanner` add `executionStats.nReturned`.
 *
 * Over the ~300-line guideline on purpose: the planner and the command were added as one module so
 * the server change stays in one file; the planner (`planQuery` and its helpers) can move to
 * `query/plan-query.ts` when anything else needs it.
 */

/**
 * What a filter states about one field. `exact` when the bounds say everything (so the FETCH
 * filter can leave the field out); other operators on the field (`$type`, `$ne`, ...) stay there.
 */
type Predicate =
  | { kind: 'points'; values: unknown[]; exact: boolean }
  | {
      kind: 'range'
      lower?: { value: unknown; inclusive: boolean }
      upper?: { value: unknown; inclusive: boolean }
      exact: boolean
    }
  | { kind: 'other' }

interface SortKey {
  field: string
  direction: 1 | -1
}

interface IndexInfo {
  name: string
  key: Document
  fields: string[]
  directions: number[]
  unique: boolean
  sparse: boolean
  multikey: boolean
  partialFilterExpression: Document | undefined
}

interface CandidatePlan {
  index: IndexInfo
  /** Leading index fields with a predicate that narrows the scan. */
  boundFields: number
  providesSort: boolean
  /** The value lists of an `$in` prefix expanded into one scan each (explode for sort). */
  explodedPrefixes: unknown[][] | undefined
  direction: 'forward' | 'backward'
}

/** mongod explodes an `$in` prefix into separate sorted scans up to this many. */
const MAX_SCANS_TO_EXPLODE = 200
/** mongod's default memory limit for a blocking sort. */
const SORT_MEMORY_LIMIT_BYTES = 104_857_600

function isLiteral(value: unknown): boolean {
  return (
    !(value instanceof RegExp) &&
    !Array.isArray(value) &&
    !(isPlainObject(value) && Object.keys(value).some((key) => key.startsWith('$')))
  )
}

const rangeOperators = ['$gt', '$gte', '$lt', '$lte']

function predicateOf(condition: unknown): Predicate {
  if (!isPlainObject(condition) || !Object.keys(condition).some((key) => key.startsWith('$'))) {
    return isLiteral(condition) ? { kind: 'points', values: [condition], exact: true } : { kind: 'other' }
  }
  const operators = Object.keys(condition)
  if ('$eq' in condition && isLiteral(condition.$eq)) {
    return { kind: 'points', values: [condition.$eq], exact: operators.length === 1 }
  }
  if (Array.isArray(condition.$in) && condition.$in.every(isLiteral)) {
    return { kind: 'points', values: condition.$in, exact: operators.length === 1 }
  }
  if (operators.some((operator) => rangeOperators.includes(operator))) {
    const range: Predicate = {
      kind: 'range',
      exact: operators.every((operator) => rangeOperators.includes(operator)),
    }
    if ('$gt' in condition) range.lower = { value: condition.$gt, inclusive: false }
    if ('$gte' in condition) range.lower = { value: condition.$gte, inclusive: true }
    if ('$lt' in condition) range.upper = { value: condition.$lt, inclusive: false }
    if ('$lte' in condition) range.upper = { value: condition.$lte, inclusive: true }
    return range
  }
  return { kind: 'other' }
}

/** Field predicates of a filter; top-level `$and` of plain conditions is flattened. */
function predicatesOf(filter: Document): Map<string, Predicate> {
  const predicates = new Map<string, Predicate>()
  const add = (field: string, condition: unknown) => {
    // The same field twice (`$and: [{ a: 1 }, { a: { $type: 'string' } }]`): the first bounds
    // bound the scan (mongod intersects them; this is wider, never narrower), the FETCH filter
    // checks the rest.
    const previous = predicates.get(field)
    const next = predicateOf(condition)
    if (previous === undefined) predicates.set(field, next)
    else if (previous.kind !== 'other') predicates.set(field, { ...previous, exact: false })
    else if (next.kind !== 'other') predicates.set(field, { ...next, exact: false })
  }
  for (const [field, condition] of Object.entries(filter)) {
    if (field === '$and' && Array.isArray(condition)) {
      for (const part of condition) {
        if (!isPlainObject(part)) continue
        for (const [innerField, innerCondition] of Object.entries(part)) {
          if (!innerField.startsWith('$')) add(innerField, innerCondition)
        }
      }
    } else if (!field.startsWith('$')) {
      add(field, condition)
    }
  }
  return predicates
}

function indexesOf(collection: Collection): IndexInfo[] {
  const idIndex: IndexInfo = {
    name: '_id_',
    key: { _id: 1 },
    fields: ['_id'],
    directions: [1],
    unique: true,
    sparse: false,
    multikey: false,
    partialFilterExpression: undefined,
  }
  const secondary = collection.indexes
    .filter((index) => index.spec.hidden !== true)
    .map(
      (index): IndexInfo => ({
        name: index.name,
        key: index.spec.key as Document,
        fields: index.fields,
        directions: index.directions,
        unique: index.unique,
        sparse: index.sparse,
        multikey: index.multikey,
        partialFilterExpression: index.spec.partialFilterExpression as Document | undefined,
      }),
    )
  return [idIndex, ...secondary]
}

function planIndex(
  index: IndexInfo,
  predicates: Map<string, Predicate>,
  shape: QueryShape,
): CandidatePlan | undefined {
  const sort = shape.sort
  if (
    index.partialFilterExpression !== undefined &&
    !impliesPartialFilter(
      toPlain(shape.filter) as Document,
      toPlain(index.partialFilterExpression) as Document,
    )
  ) {
    return undefined
  }
  if (index.sparse) {
    const leading = predicates.get(index.fields[0]!)
    const excludesNull =
      leading !== undefined &&
      (leading.kind === 'range' ||
        (leading.kind === 'points' && leading.values.every((value) => value !== null)))
    if (!excludesNull) return undefined
  }
  let boundFields = 0
  for (const field of index.fields) {
    const predicate = predicates.get(field)
    if (predicate === undefined || predicate.kind === 'other') break
    boundFields += 1
    if (predicate.kind === 'range') break
  }

  // The sort order: an equality prefix (not itself sorted on), then the sort fields in index order.
  let providesSort = sort.length === 0
  let explodedPrefixes: unknown[][] | undefined
  let direction: 'forward' | 'backward' = 'forward'
  if (sort.length > 0 && !index.multikey) {
    const prefixValues: unknown[][] = []
    while (prefixValues.length < index.fields.length) {
      const field = index.fields[prefixValues.length]!
      const predicate = predicates.get(field)
      if (predicate?.kind !== 'points' || sort.some((key) => key.field === field)) break
      prefixValues.push(predicate.values)
    }
    const rest = index.fields.slice(prefixValues.length)
    const fieldsMatch =
      sort.length <= rest.length && sort.every((key, position) => key.field === rest[position])
    const sign = fieldsMatch ? sort[0]!.direction * index.directions[prefixValues.length]! : 0
    const directionsMatch =
      fieldsMatch &&
      sort.every(
        (key, position) => key.direction * index.directions[prefixValues.length + position]! === sign,
      )
    if (directionsMatch) {
      const scans = prefixValues.reduce((product, values) => product * values.length, 1)
      if (scans === 1) providesSort = true
      else if (scans <= MAX_SCANS_TO_EXPLODE) {
        providesSort = true
        explodedPrefixes = prefixValues.reduce<unknown[][]>(
          (combinations, values) =>
            combinations.flatMap((combination) => values.map((value) => [...combination, value])),
          [[]],
        )
      }
      direction = sign < 0 ? 'backward' : 'forward'
    }
  }
  // A scan of the whole index is worth it only to avoid a blocking sort.
  if (boundFields === 0 && !(sort.length > 0 && providesSort && explodedPrefixes === undefined))
    return undefined
  return { index, boundFields, providesSort, explodedPrefixes, direction }
}

/** Better plans first: no blocking sort, then more bounded fields, then fewer index fields. */
function comparePlans(left: CandidatePlan, right: CandidatePlan): number {
  if (left.providesSort !== right.providesSort) return left.providesSort ? -1 : 1
  if (left.boundFields !== right.boundFields) return right.boundFields - left.boundFields
  return left.index.fields.length - right.index.fields.length
}

function boundValue(value: unknown): string {
  const plain = toPlain(value)
  if (plain === null) return 'null'
  if (plain instanceof Date) return `new Date(${plain.getTime()})`
  if (plain instanceof ObjectId) return `ObjectId('${plain.toHexString()}')`
  if (typeof plain === 'number')
    return Number.isFinite(plain) ? String(plain) : plain > 0 ? 'inf.0' : '-inf.0'
  return JSON.stringify(plain) ?? String(plain)
}

/** The open end of a one-sided range, bracketed to the value's type as mongod does. */
function openEnd(value: unknown, side: 'lower' | 'upper'): string {
  const plain = toPlain(value)
  if (plain instanceof Date)
    return side === 'lower' ? 'new Date(-9223372036854775808)' : 'new Date(9223372036854775807)'
  if (typeof plain === 'number') return side === 'lower' ? '-inf.0' : 'inf.0'
  if (typeof plain === 'string') return side === 'lower' ? '""' : '{}'
  return side === 'lower' ? 'MinKey' : 'MaxKey'
}

function boundsFor(predicate: Predicate | undefined, pinned: unknown[] | undefined): string[] {
  if (pinned !== undefined) return pinned.map((value) => `[${boundValue(value)}, ${boundValue(value)}]`)
  if (predicate?.kind === 'points') {
    return predicate.values.map((value) => `[${boundValue(value)}, ${boundValue(value)}]`)
  }
  if (predicate?.kind === 'range') {
    const reference = predicate.lower?.value ?? predicate.upper?.value
    const lower =
      predicate.lower === undefined ? openEnd(reference, 'lower') : boundValue(predicate.lower.value)
    const upper =
      predicate.upper === undefined ? openEnd(reference, 'upper') : boundValue(predicate.upper.value)
    return [
      `${predicate.lower?.inclusive === false ? '(' : '['}${lower}, ${upper}${predicate.upper?.inclusive === false ? ')' : ']'}`,
    ]
  }
  return ['[MinKey, MaxKey]']
}

function indexScan(
  plan: CandidatePlan,
  predicates: Map<string, Predicate>,
  prefix: unknown[] | undefined,
): Document {
  const index = plan.index
  const indexBounds: Document = {}
  index.fields.forEach((field, position) => {
    const pinned = prefix !== undefined && position < prefix.length ? [prefix[position]] : undefined
    indexBounds[field] = boundsFor(predicates.get(field), pinned)
  })
  return {
    stage: 'IXSCAN',
    keyPattern: index.key,
    indexName: index.name,
    isMultiKey: index.multikey,
    multiKeyPaths: Object.fromEntries(index.fields.map((field) => [field, []])),
    isUnique: index.unique,
    isSparse: index.sparse,
    isPartial: index.partialFilterExpression !== undefined,
    indexVersion: 2,
    direction: plan.direction,
    indexBounds,
  }
}

/** The filter conditions the index bounds do not settle, checked on each fetched document. */
function residualFilter(filter: Document, settled: Set<string>): Document | undefined {
  const residual: Document = {}
  for (const [field, condition] of Object.entries(filter))
    if (!settled.has(field)) residual[field] = condition
  return Object.keys(residual).length === 0 ? undefined : residual
}

interface QueryShape {
  filter: Document
  sort: SortKey[]
  skip: number
  limit: number
}

function wrapSortAndLimit(input: Document, shape: QueryShape, blockingSort: boolean): Document {
  let plan = input
  if (blockingSort) {
    const sortPattern = Object.fromEntries(shape.sort.map((key) => [key.field, key.direction]))
    plan = { stage: 'SORT', sortPattern, memLimit: SORT_MEMORY_LIMIT_BYTES, type: 'simple', inputStage: plan }
    // A blocking sort keeps only the top `skip + limit`; SKIP then applies on top of it.
    if (shape.limit > 0) plan.limitAmount = shape.limit + shape.skip
    if (shape.skip > 0) plan = { stage: 'SKIP', skipAmount: shape.skip, inputStage: plan }
    return plan
  }
  if (shape.skip > 0) plan = { stage: 'SKIP', skipAmount: shape.skip, inputStage: plan }
  if (shape.limit > 0) plan = { stage: 'LIMIT', limitAmount: shape.limit, inputStage: plan }
  return plan
}

function buildPlan(
  candidate: CandidatePlan,
  predicates: Map<string, Predicate>,
  shape: QueryShape,
): Document {
  const settled = new Set(
    candidate.index.fields.slice(0, candidate.boundFields).filter((field) => {
      const predicate = predicates.get(field)
      return predicate !== undefined && predicate.kind !== 'other' && predicate.exact
    }),
  )
  const scans =
    candidate.explodedPrefixes === undefined
      ? indexScan(candidate, predicates, undefined)
      : {
          stage: 'SORT_MERGE',
          sortPattern: Object.fromEntries(shape.sort.map((key) => [key.field, key.direction])),
          dupsTested: false,
          dupsDropped: 0,
          inputStages: candidate.explodedPrefixes.map((prefix) => indexScan(candidate, predicates, prefix)),
        }
  const filter = residualFilter(shape.filter, settled)
  const fetch: Document = { stage: 'FETCH', inputStage: scans }
  if (filter !== undefined) fetch.filter = filter
  return wrapSortAndLimit(fetch, shape, !candidate.providesSort)
}

function planQuery(
  collection: Collection | undefined,
  shape: QueryShape,
): { winningPlan: Document; rejectedPlans: Document[] } {
  if (collection === undefined) return { winningPlan: { stage: 'EOF' }, rejectedPlans: [] }
  const predicates = predicatesOf(shape.filter)
  const candidates = indexesOf(collection)
    .map((index) => planIndex(index, predicates, shape))
    .filter((plan): plan is CandidatePlan => plan !== undefined)
    .sort(comparePlans)
  if (candidates.length === 0) {
    const scan: Document = { stage: 'COLLSCAN', direction: 'forward' }
    if (Object.keys(shape.filter).length > 0) scan.filter = shape.filter
    return { winningPlan: wrapSortAndLimit(scan, shape, shape.sort.length > 0), rejectedPlans: [] }
  }
  const [winner, ...rejected] = candidates
  return {
    winningPlan: buildPlan(winner!, predicates, shape),
    rejectedPlans: rejected.map((plan) => buildPlan(plan, predicates, shape)),
  }
}

function sortKeys(sort: unknown): SortKey[] {
  if (!isPlainObject(sort)) return []
  return Object.entries(toPlain(sort) as Document).map(([field, direction]) => ({
    field,
    direction: Number(direction) < 0 ? -1 : 1,
  }))
}

function optionalCount(value: unknown): number {
  return value === undefined || value === null ? 0 : Math.abs(numberArgument(value, 0))
}

/** The leading `$match`/`$sort`/`$skip`/`$limit` of a pipeline (what mongod pushes into the query). */
function pipelineShape(pipeline: Document[]): { shape: QueryShape; rest: Document[] } {
  const shape: QueryShape = { filter: {}, sort: [], skip: 0, limit: 0 }
  let consumed = 0
  for (const stage of pipeline) {
    if ('$match' in stage && consumed === 0 && isPlainObject(stage.$match)) shape.filter = stage.$match
    else if ('$sort' in stage && shape.sort.length === 0 && shape.skip === 0 && shape.limit === 0) {
      shape.sort = sortKeys(stage.$sort)
    } else if ('$skip' in stage && shape.limit === 0) shape.skip += optionalCount(stage.$skip)
    else if ('$limit' in stage) {
      const limit = optionalCount(stage.$limit)
      shape.limit = shape.limit === 0 ? limit : Math.min(shape.limit, limit)
    } else break
    consumed += 1
  }
  return { shape, rest: pipeline.slice(consumed) }
}

function queryPlanner(context: CommandContext, collectionName: string, shape: QueryShape): Document {
  const { winningPlan, rejectedPlans } = planQuery(context.readCollection(collectionName), shape)
  return {
    namespace: `${context.database}.${collectionName}`,
    indexFilterSet: false,
    parsedQuery: shape.filter,
    maxIndexedOrSolutionsReached: false,
    maxIndexedAndSolutionsReached: false,
    maxScansToExplodeReached: false,
    winningPlan,
    rejectedPlans,
  }
}

function serverInfo(context: CommandContext): Document {
  const [host = '127.0.0.1', port = '0'] = context.server.address.split(':')
  return { host, port: Number(port), version: reportedVersion, gitVersion: 'durabl-in-process' }
}

function executionStats(context: CommandContext, collectionName: string, shape: QueryShape): Document {
  const records = selectRecords(context.readCollection(collectionName), shape.filter, {
    sort:
      shape.sort.length === 0
        ? undefined
        : Object.fromEntries(shape.sort.map((key) => [key.field, key.direction])),
    skip: shape.skip,
    limit: shape.limit,
  })
  return { executionSuccess: true, nReturned: records.length, executionTimeMillis: 0 }
}

const explain: CommandHandler = (context) => {
  const inner = context.command.explain
  if (!isPlainObject(inner)) {
    throw new MongoCommandError(errorCodes.failedToParse, 'explain command requires a nested object')
  }
  const verbosity = context.command.verbosity ?? 'allPlansExecution'
  if (verbosity !== 'queryPlanner' && verbosity !== 'executionStats' && verbosity !== 'allPlansExecution') {
    throw new MongoCommandError(
      errorCodes.badValue,
      `verbosity string must be one of queryPlanner, executionStats, allPlansExecution`,
    )
  }
  const name = Object.keys(inner)[0]
  refuseUnsupportedOptions(inner, 'explain')
  if (inner.hint !== undefined) throw notSupported('hint', 'explain (the planner does not plan hints)')
  let collectionName: string
  let shape: QueryShape
  let rest: Document[] = []
  if (name === 'find') {
    collectionName = String(inner.find)
    shape = {
      filter: isPlainObject(inner.filter) ? inner.filter : {},
      sort: sortKeys(inner.sort),
      skip: optionalCount(inner.skip),
      limit: optionalCount(inner.limit),
    }
  } else if (name === 'aggregate' && typeof inner.aggregate === 'string') {
    const pipeline = inner.pipeline
    if (!Array.isArray(pipeline) || !pipeline.every(isPlainObject)) {
      throw new MongoCommandError(errorCodes.typeMismatch, "'pipeline' option must be specified as an array")
    }
    collectionName = inner.aggregate
    ;({ shape, rest } = pipelineShape(pipeline))
  } else {
    throw new MongoCommandError(
      115,
      `explain of ${JSON.stringify(name)} is not supported by the in-process server (find and aggregate are)`,
    )
  }
  const planner = queryPlanner(context, collectionName, shape)
  const common = {
    command: { ...inner, $db: context.database },
    serverInfo: serverInfo(context),
    serverParameters: {
      internalQueryFacetBufferSizeBytes: 104_857_600,
      internalQueryMaxBlockingSortMemoryUsageBytes: SORT_MEMORY_LIMIT_BYTES,
    },
  }
  const stats = verbosity === 'queryPlanner' ? undefined : executionStats(context, collectionName, shape)
  if (rest.length > 0) {
    // Stages that are not pushed into the query stay as pipeline stages after a $cursor stage.
    const cursor: Document = { queryPlanner: planner }
    if (stats !== undefined) cursor.executionStats = stats
    return { explainVersion: '1', stages: [{ $cursor: cursor }, ...rest], ...common, ok: 1 }
  }
  const reply: Document = { explainVersion: '1', queryPlanner: planner }
  if (stats !== undefined) reply.executionStats = stats
  return { ...reply, ...common, ok: 1 }
}

export const explainCommands: Record<string, CommandHandler> = { explain }
