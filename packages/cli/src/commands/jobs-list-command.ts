import type { JobFilter } from '@durabl/core'
import { Command } from 'commander'
import { collect, parseInteger, parseJobId, parseStates, parseTypes } from '../arguments.js'
import type { CommandContext } from '../command-context.js'
import { renderJobTable, summarizeJob } from '../format/job.js'

/** `jobs list` shows this many jobs unless `--limit` says otherwise. */
export const DEFAULT_LIST_LIMIT = 20
/** The most `listJobs` returns in one page. */
export const MAX_LIST_LIMIT = 1_000

interface ListOptions {
  state?: string[]
  type?: string[]
  limit?: string
  cursor?: string
  json?: boolean
}

export function jobsListCommand(context: CommandContext): Command {
  return new Command('list')
    .description('list jobs, newest first, a page at a time')
    .option('--state <states>', 'only these states (repeatable or comma-separated)', collect)
    .option('--type <types>', 'only these types (repeatable or comma-separated)', collect)
    .option('--limit <n>', `jobs per page, 1 to ${MAX_LIST_LIMIT} (default ${DEFAULT_LIST_LIMIT})`)
    .option('--cursor <cursor>', 'the next cursor printed by the previous page')
    .option('--json', 'print JSON only: { jobs, nextCursor }')
    .action(async (options: ListOptions, command: Command) => {
      const filter: JobFilter = {}
      const states = parseStates(options.state)
      const types = parseTypes(options.type)
      if (states !== undefined) filter.state = states
      if (types !== undefined) filter.type = types
      const limit =
        options.limit === undefined
          ? DEFAULT_LIST_LIMIT
          : parseInteger('--limit', options.limit, 1, MAX_LIST_LIMIT)
      const cursor = options.cursor === undefined ? undefined : parseJobId(options.cursor, '--cursor')
      await context.withConnection(command, async ({ backend }) => {
        const page = await backend.listJobs({ filter, limit, cursor })
        if (options.json) {
          context.printJson({ jobs: page.jobs.map(summarizeJob), nextCursor: page.nextCursor })
          return
        }
        if (page.jobs.length === 0) {
          context.print(cursor === undefined ? 'no jobs match' : 'no more jobs')
          return
        }
        context.print(renderJobTable(page.jobs))
        if (page.nextCursor !== null)
          context.print(
            `\nnext cursor: ${page.nextCursor} (pass --cursor ${page.nextCursor} for the next page)`,
          )
      })
    })
}
