import { Command } from 'commander'
import { parseScheduleId } from '../arguments.js'
import type { CommandContext } from '../command-context.js'
import { summarizeSchedule } from '../format/schedule.js'
import { notFound, withSchedules } from './schedule-access.js'

interface PauseOptions {
  json?: boolean
}

export function schedulesPauseCommand(context: CommandContext): Command {
  return new Command('pause')
    .description('stop enqueueing occurrences of a schedule (jobs already enqueued stay)')
    .argument('<id>', 'the schedule id')
    .option('--json', 'print JSON only: { changed, schedule }')
    .action(async (rawId: string, options: PauseOptions, command: Command) => {
      const id = parseScheduleId(rawId)
      await withSchedules(context, command, async (schedules) => {
        const before = await schedules.get(id)
        if (before === null) throw notFound(id)
        const after = before.paused ? before : await schedules.pause(id)
        if (after === null) throw notFound(id)
        const changed = !before.paused
        if (options.json) context.printJson({ changed, schedule: summarizeSchedule(after) })
        else if (!changed) context.print(`schedule ${id} was already paused`)
        else
          context.print(
            `paused schedule ${id}: no occurrence is enqueued until it is resumed (durabl schedules resume ${id})`,
          )
      })
    })
}
