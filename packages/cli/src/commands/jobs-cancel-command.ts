import { Command } from 'commander'
import { collect } from '../arguments.js'
import type { CommandContext } from '../command-context.js'
import { type ChangeOptions, changeJobs } from './change-jobs.js'

export function jobsCancelCommand(context: CommandContext): Command {
  return new Command('cancel')
    .description('cancel pending jobs (active and finished jobs are left as they are)')
    .argument('[ids...]', 'job ids to cancel')
    .option('--state <states>', 'with no ids: only pending jobs can be cancelled (the default)', collect)
    .option('--type <types>', 'only these types (repeatable or comma-separated)', collect)
    .option('--dry-run', 'only count the jobs the filter selects, per type')
    .option('-y, --yes', 'cancel the jobs a filter selects without asking')
    .option('--json', 'print JSON only')
    .action((ids: string[], options: ChangeOptions, command: Command) =>
      changeJobs(context, command, ids, options, {
        verb: 'cancel',
        pastTense: 'cancelled',
        changeable: ['pending'],
        defaultStates: ['pending'],
        apply: (backend, params) => backend.cancelJobs(params),
      }),
    )
}
