import { Command } from 'commander'
import { collect } from '../arguments.js'
import type { CommandContext } from '../command-context.js'
import { type ChangeOptions, changeJobs } from './change-jobs.js'

export function jobsCancelCommand(context: CommandContext): Command {
  return new Command('cancel')
    .description(
      'cancel jobs that have not finished: pending ones at once; running ones get a cancel request that their worker acts on at its next heartbeat (finished jobs are left as they are)',
    )
    .argument('[ids...]', 'job ids to cancel')
    .option('--state <states>', 'with no ids: pending and/or active (the default: both)', collect)
    .option('--type <types>', 'only these types (repeatable or comma-separated)', collect)
    .option('--dry-run', 'only count the jobs the filter selects, per type')
    .option('-y, --yes', 'cancel the jobs a filter selects without asking')
    .option('--json', 'print JSON only')
    .action((ids: string[], options: ChangeOptions, command: Command) =>
      changeJobs(context, command, ids, options, {
        verb: 'cancel',
        pastTense: 'cancelled',
        changeable: ['pending', 'active'],
        defaultStates: ['pending', 'active'],
        apply: (backend, params) => backend.cancelJobs(params),
        explain: (job) =>
          job.state === 'active' && job.cancelRequestedAt !== null
            ? `its cancel was already requested at ${job.cancelRequestedAt.toISOString()}; its worker ends it at its next heartbeat, or lease recovery does`
            : undefined,
      }),
    )
}
