import { Command } from 'commander'
import type { Document } from 'mongodb'
import {
  collect,
  FINISHED_STATES,
  type FinishedState,
  parseDuration,
  parseStates,
  parseTypes,
} from '../arguments.js'
import { UsageError } from '../cli-errors.js'
import type { CommandContext } from '../command-context.js'
import { confirmChange } from '../confirm.js'
import { renderTable } from '../format/table.js'
import { formatTime } from '../format/values.js'

interface PurgeOptions {
  state?: string[]
  type?: string[]
  olderThan?: string
  dryRun?: boolean
  yes?: boolean
  json?: boolean
}

interface PurgeCount {
  type: string
  state: FinishedState
  count: number
}

function plural(count: number): string {
  return `${count} job${count === 1 ? '' : 's'}`
}

function renderPurgeCounts(counts: PurgeCount[]): string {
  const rows = counts.map((entry) => [entry.type, entry.state, String(entry.count)])
  const total = counts.reduce((sum, entry) => sum + entry.count, 0)
  if (counts.length > 1) rows.push(['TOTAL', '', String(total)])
  return renderTable([{ header: 'TYPE' }, { header: 'STATE' }, { header: 'JOBS', align: 'right' }], rows)
}

export function jobsPurgeCommand(context: CommandContext): Command {
  return new Command('purge')
    .description('delete finished jobs that finished before a cutoff (asks first; --yes in scripts)')
    .option(
      '--state <states>',
      `which finished states to delete: ${FINISHED_STATES.join(', ')} (required)`,
      collect,
    )
    .option(
      '--older-than <duration>',
      'only jobs that finished longer ago than this: 30s, 15m, 12h, 7d, 2w (required)',
    )
    .option('--type <types>', 'only these types (repeatable or comma-separated)', collect)
    .option('--dry-run', 'only count what would be deleted, per type and state')
    .option('-y, --yes', 'delete without asking (needed when stdin is not a terminal)')
    .option('--json', 'print JSON only')
    .action(async (options: PurgeOptions, command: Command) => {
      const states = parseStates<FinishedState>(options.state, FINISHED_STATES)
      if (states === undefined) {
        throw new UsageError(`jobs purge needs --state (one or more of ${FINISHED_STATES.join(', ')})`)
      }
      if (options.olderThan === undefined) throw new UsageError('jobs purge needs --older-than (such as 7d)')
      const olderThanMs = parseDuration('--older-than', options.olderThan)
      const types = parseTypes(options.type)
      const now = context.now(command)
      const finishedBefore = new Date(now.getTime() - olderThanMs)

      await context.withConnection(command, async ({ backend, collection }) => {
        const match: Document = { state: { $in: states }, finishedAt: { $lt: finishedBefore } }
        if (types !== undefined) match.type = { $in: types }
        const rows = await collection
          .aggregate<{ _id: { type: string; state: FinishedState }; count: number }>([
            { $match: match },
            { $group: { _id: { type: '$type', state: '$state' }, count: { $sum: 1 } } },
          ])
          .toArray()
        const counts: PurgeCount[] = rows
          .map((row) => ({ type: row._id.type, state: row._id.state, count: row.count }))
          .sort((left, right) => left.type.localeCompare(right.type) || left.state.localeCompare(right.state))
        const total = counts.reduce((sum, entry) => sum + entry.count, 0)
        const scope = `finished before ${formatTime(finishedBefore)} (older than ${options.olderThan})`

        if (options.dryRun || total === 0) {
          if (options.json)
            context.printJson({ dryRun: options.dryRun === true, finishedBefore, counts, total })
          else if (total === 0) context.print(`nothing to purge: no ${states.join('/')} jobs ${scope}`)
          else context.print(`would delete ${plural(total)} ${scope}:\n${renderPurgeCounts(counts)}`)
          return
        }
        const summary = `about to delete ${plural(total)} ${scope}:\n${renderPurgeCounts(counts)}\n`
        if (options.json) context.io.stderr.write(summary)
        else context.io.stdout.write(summary)
        await confirmChange(context, {
          yes: options.yes,
          action: `delete ${plural(total)}`,
          dryRunHint: true,
        })

        // Without a type filter this is the backend's purge (one deleteMany over durabl_finished);
        // with one, the contract's removeJobs takes the same filter plus the types.
        const deleted =
          types === undefined
            ? await backend.purgeJobs({ state: states, finishedBefore })
            : await backend.removeJobs({ filter: { state: states, type: types, finishedBefore }, now })
        if (options.json) context.printJson({ dryRun: false, finishedBefore, counts, deleted })
        else context.print(`deleted ${plural(deleted)}`)
      })
    })
}
