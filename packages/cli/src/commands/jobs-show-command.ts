import { Command } from 'commander'
import { parseJobId } from '../arguments.js'
import { CommandFailure } from '../cli-errors.js'
import type { CommandContext } from '../command-context.js'
import { jobForDisplay, renderJob } from '../format/job.js'

interface ShowOptions {
  data?: boolean
  json?: boolean
}

export function jobsShowCommand(context: CommandContext): Command {
  return new Command('show')
    .description('show one job: state, attempts, times, errors, logs, progress, metadata')
    .argument('<id>', 'the job id (24 hex characters)')
    .option('--data', 'also show the payload (data) and the result; they may hold personal data')
    .option('--json', 'print JSON only')
    .action(async (rawId: string, options: ShowOptions, command: Command) => {
      const id = parseJobId(rawId)
      await context.withConnection(command, async ({ backend }) => {
        const job = await backend.getJob({ id })
        if (job === null) throw new CommandFailure(`no job has id ${id}`)
        const includeData = options.data === true
        if (options.json) context.printJson(jobForDisplay(job, includeData))
        else context.print(renderJob(job, { includeData, now: context.now(command) }))
      })
    })
}
