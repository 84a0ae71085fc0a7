import { CLAIM_INDEX_NAME, claimQuery, MONGO_INDEXES } from '@durabl/mongo'
import { Command } from 'commander'
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
            problems,
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
