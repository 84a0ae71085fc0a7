import {
  CLAIM_INDEX_NAME,
  claimQuery,
  DEDUPE_KEY_INDEX_NAME,
  DEDUPE_KEY_SORT,
  dedupeKeyCondition,
  dedupePrecheckQuery,
  LEASE_EXPIRY_INDEX_NAME,
  leaseExpiryQuery,
  MONGO_INDEXES,
} from '@durabl/mongo'
import { Command } from 'commander'
import type { Collection, Document } from 'mongodb'
import { collect, parseTypes } from '../arguments.js'
import { CommandFailure } from '../cli-errors.js'
import type { CommandContext } from '../command-context.js'
import { messageOf } from '../connect.js'
import { renderTable } from '../format/table.js'
import { CLAIM_EXPLAIN_LIMIT } from '../indexes/claim-query.js'
import { compareIndexes, formatIndexKey } from '../indexes/compare-indexes.js'
import { listLiveIndexes } from '../indexes/live-indexes.js'
import { claimPlanProblems, type PlanReading, readWinningPlan } from '../indexes/read-plan.js'

interface CheckOptions {
  type?: string[]
  json?: boolean
}

/** The type explained when the collection holds no pending jobs (the plan does not depend on it). */
const PLACEHOLDER_TYPE = 'durabl-index-check'
/** The dedupe key explained for the dedupe-key queries (the plan does not depend on it). */
const PLACEHOLDER_KEY = 'durabl-index-check'

/**
 * The backend's other queries that rely on a partial index, built by the functions the backend
 * runs, so the two cannot drift. Each states its index's partial filter; the check shows the plan
 * the server chose. A collection scan is a problem; another index is a note, since at small data
 * sizes a planner may prefer one for a while.
 */
function partialIndexQueries(now: Date): PartialIndexQuery[] {
  return [
    {
      name: 'dedupe pre-check (enqueue inside a transaction)',
      expectedIndex: DEDUPE_KEY_INDEX_NAME,
      filter: dedupePrecheckQuery([PLACEHOLDER_KEY]).filter,
      limit: 0,
    },
    {
      name: 'listJobs by dedupe key',
      expectedIndex: DEDUPE_KEY_INDEX_NAME,
      filter: { dedupeKey: dedupeKeyCondition([PLACEHOLDER_KEY]) },
      sort: DEDUPE_KEY_SORT,
      limit: 101,
    },
    {
      name: 'recoverExpiredLeases probe',
      expectedIndex: LEASE_EXPIRY_INDEX_NAME,
      filter: leaseExpiryQuery(now).filter,
      limit: 1,
    },
  ]
}

interface PartialIndexQuery {
  name: string
  expectedIndex: string
  filter: Document
  sort?: Document
  limit: number
}

interface ExplainedQuery extends PartialIndexQuery {
  plan: PlanReading | null
  error?: string
  problems: string[]
  notes: string[]
}

async function explainPartialIndexQuery(
  // biome-ignore lint/suspicious/noExplicitAny: the jobs collection, whatever its document type
  collection: Collection<any>,
  query: PartialIndexQuery,
): Promise<ExplainedQuery> {
  try {
    const explain = await collection
      .find(query.filter, { ...(query.sort ? { sort: query.sort } : {}), limit: query.limit })
      .explain('queryPlanner')
    const plan = readWinningPlan(explain)
    const problems =
      !plan.empty && plan.collectionScan ? [`the ${query.name} scans the whole collection (COLLSCAN)`] : []
    const notes =
      plan.empty || plan.collectionScan || plan.indexNames.includes(query.expectedIndex)
        ? []
        : [
            `the ${query.name} uses ${plan.indexNames.join(', ') || 'no index'} instead of ${query.expectedIndex}`,
          ]
    return { ...query, plan, problems, notes }
  } catch (error) {
    const message = messageOf(error)
    return {
      ...query,
      plan: null,
      error: message,
      problems: [`could not explain the ${query.name}: ${message}`],
      notes: [],
    }
  }
}

export function indexesCheckCommand(context: CommandContext): Command {
  return new Command('check')
    .description(
      "compare the live indexes with the backend's and explain the claim query; exit 1 on problems",
    )
    .option(
      '--type <types>',
      'explain the claim for these types (default: the types with pending jobs)',
      collect,
    )
    .option('--json', 'print JSON only')
    .action(async (options: CheckOptions, command: Command) => {
      const requestedTypes = parseTypes(options.type)
      const now = context.now(command)
      await context.withConnection(command, async ({ collection, resolved }) => {
        const namespace = `${resolved.databaseName}.${resolved.collectionName}`
        const live = await listLiveIndexes(collection)
        const comparison = compareIndexes(MONGO_INDEXES, live ?? [])
        const problems: string[] = []
        if (live === null)
          problems.push(`the collection ${namespace} does not exist (run durabl indexes ensure)`)
        for (const index of comparison.expected) {
          if (index.status === 'missing')
            problems.push(`index ${index.name} is missing (run durabl indexes ensure)`)
          if (index.status === 'different') {
            problems.push(`index ${index.name} has a different definition: ${index.differences.join('; ')}`)
          }
        }
        for (const extra of comparison.extra) {
          problems.push(
            `index ${extra.name} ${formatIndexKey(extra.key)} is not defined by this version of durabl (every write maintains it)`,
          )
        }

        // The claim is the hot query: it must read durabl_claim in order, never scan or sort.
        const types =
          requestedTypes ??
          ((await collection.distinct('type', { state: 'pending' })) as unknown[]).filter(
            (type): type is string => typeof type === 'string',
          )
        const claimTypes = types.length === 0 ? [PLACEHOLDER_TYPE] : types.sort()
        const { filter, sort } = claimQuery(claimTypes, now)
        let plan: PlanReading | null = null
        let planError: string | null = null
        if (live !== null) {
          try {
            const explain = await collection
              .find(filter, { sort, limit: CLAIM_EXPLAIN_LIMIT })
              .explain('queryPlanner')
            plan = readWinningPlan(explain)
            problems.push(...claimPlanProblems(plan, CLAIM_INDEX_NAME))
          } catch (error) {
            planError = messageOf(error)
            problems.push(`could not explain the claim query: ${planError}`)
          }
        }

        const others =
          live === null
            ? []
            : await Promise.all(
                partialIndexQueries(now).map((query) => explainPartialIndexQuery(collection, query)),
              )
        for (const query of others) problems.push(...query.problems)
        const notes = others.flatMap((query) => query.notes)

        if (options.json) {
          context.printJson({
            ok: problems.length === 0,
            collection: namespace,
            indexes: comparison.expected.map(({ name, status, differences, expected }) => ({
              name,
              status,
              differences,
              expected,
            })),
            extra: comparison.extra,
            claimQuery: {
              filter,
              sort,
              expectedIndex: CLAIM_INDEX_NAME,
              plan,
              ...(planError === null ? {} : { error: planError }),
            },
            partialIndexQueries: others.map(({ name, expectedIndex, filter, sort, plan, error }) => ({
              name,
              filter,
              ...(sort ? { sort } : {}),
              expectedIndex,
              plan,
              ...(error === undefined ? {} : { error }),
            })),
            problems,
            notes,
          })
        } else {
          context.print(`indexes of ${namespace}:`)
          const rows = comparison.expected.map((index) => [
            index.name,
            index.status,
            index.differences.join('; '),
          ])
          for (const extra of comparison.extra) rows.push([extra.name, 'extra', formatIndexKey(extra.key)])
          context.print(renderTable([{ header: 'NAME' }, { header: 'STATUS' }, { header: 'DETAIL' }], rows))
          const typeText =
            claimTypes.length === 1 ? JSON.stringify(claimTypes[0]) : `{ $in: ${JSON.stringify(claimTypes)} }`
          context.print(
            `\nclaim query: find({ state: "pending", type: ${typeText}, runAt: { $lte: now } }).sort({ priority: 1, runAt: 1, _id: 1 })`,
          )
          if (plan !== null) {
            const verdict = claimPlanProblems(plan, CLAIM_INDEX_NAME).length === 0 ? 'ok' : 'PROBLEM'
            const indexText = plan.indexNames.length === 0 ? 'no index' : plan.indexNames.join(', ')
            context.print(
              `  plan: ${plan.empty ? 'EOF (empty collection)' : plan.stages.join(' > ')}  [${indexText}]  ${verdict}`,
            )
          } else if (planError !== null) {
            context.print(`  plan: unavailable (${planError})`)
          } else {
            context.print('  plan: not checked (no collection)')
          }
          for (const query of others) {
            const sortText = query.sort ? `.sort(${JSON.stringify(query.sort)})` : ''
            context.print(`\n${query.name}: find(${JSON.stringify(query.filter)})${sortText}`)
            if (query.plan === null) {
              context.print(`  plan: unavailable (${query.error})`)
              continue
            }
            const indexText =
              query.plan.indexNames.length === 0 ? 'no index' : query.plan.indexNames.join(', ')
            const verdict = query.problems.length > 0 ? 'PROBLEM' : query.notes.length > 0 ? 'note' : 'ok'
            context.print(
              `  plan: ${query.plan.empty ? 'EOF (empty collection)' : query.plan.stages.join(' > ')}  [${indexText}]  ${verdict}`,
            )
          }
          if (notes.length > 0) context.print(`\nnotes:\n${notes.map((note) => `  - ${note}`).join('\n')}`)
          context.print(
            problems.length === 0
              ? '\nno problems found'
              : `\nproblems:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
          )
        }
        if (problems.length > 0) {
          throw new CommandFailure(
            `indexes check found ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
          )
        }
      })
    })
}
