import type { JobState } from '@durabl/core'
import { Command } from 'commander'
import { collect, FINISHED_STATES } from '../arguments.js'
import type { CommandContext } from '../command-context.js'
import { type ChangeOptions, changeJobs } from './change-jobs.js'

export function jobsRetryCommand(context: CommandContext): Command {
  return new Command('retry')
    .description('run finished jobs again (pending, due now, attempts reset; errors and logs kept)')
    .argument('[ids...]', 'job ids to retry')
    .option(
      '--state <states>',
      `with no ids: retry jobs in these states (${FINISHED_STATES.join(', ')}; default failed)`,
      collect,
    )
    .option('--type <types>', 'only these types (repeatable or comma-separated)', collect)
    .option('--dry-run', 'only count the jobs the filter selects, per type')
    .option('-y, --yes', 'retry the jobs a filter selects without asking')
    .option('--json', 'print JSON only')
    .action((ids: string[], options: ChangeOptions, command: Command) =>
      changeJobs(context, command, ids, options, {
        verb: 'retry',
        pastTense: 'retried',
        changeable: FINISHED_STATES as readonly JobState[],
        defaultStates: ['failed'],
        apply: (backend, params) => backend.retryJobs(params),
      }),
    )
}
