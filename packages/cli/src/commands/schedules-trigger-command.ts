import { Command } from 'commander'
import { parseScheduleId } from '../arguments.js'
import { CommandFailure } from '../cli-errors.js'
import type { CommandContext } from '../command-context.js'
import { notFound, withSchedules } from './schedule-access.js'

interface TriggerOptions {
  json?: boolean
}

export function schedulesTriggerCommand(context: CommandContext): Command {
  return new Command('trigger')
    .description('enqueue one run of a schedule now, outside its timetable (the overlap policy applies)')
    .argument('<id>', 'the schedule id')
    .option('--json', 'print JSON only: { scheduleId, jobId }')
    .action(async (rawId: string, options: TriggerOptions, command: Command) => {
      const id = parseScheduleId(rawId)
      await withSchedules(context, command, async (schedules) => {
        const schedule = await schedules.get(id)
        if (schedule === null) throw notFound(id)
        const jobId = await schedules.trigger(id)
        if (options.json) context.printJson({ scheduleId: id, jobId })
        else if (jobId !== null)
          context.print(`triggered schedule ${id}: enqueued job ${jobId} (durabl jobs show ${jobId})`)
        if (jobId === null) {
          const previous = schedule.lastJobId === null ? '' : ` (job ${schedule.lastJobId})`
          throw new CommandFailure(
            `schedule ${id} was not triggered: its overlap policy "${schedule.definition.overlap}" blocked the run while its previous run${previous} is pending or active`,
          )
        }
      })
    })
}
