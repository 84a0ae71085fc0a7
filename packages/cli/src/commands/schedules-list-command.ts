import { Command } from 'commander'
import type { CommandContext } from '../command-context.js'
import { renderScheduleTable, summarizeSchedule } from '../format/schedule.js'
import { TIME_ZONE_OPTION, timeZoneOption, withSchedules } from './schedule-access.js'

interface ListOptions {
  tz?: string
  json?: boolean
}

export function schedulesListCommand(context: CommandContext): Command {
  return new Command('list')
    .description('list schedules by id: timing, next and last run, runs, skipped, missed, lag')
    .option(...TIME_ZONE_OPTION)
    .option('--json', 'print JSON only: { schedules }')
    .action(async (options: ListOptions, command: Command) => {
      const timeZone = timeZoneOption(options.tz)
      await withSchedules(context, command, async (schedules) => {
        const all = await schedules.list()
        if (options.json) context.printJson({ schedules: all.map(summarizeSchedule) })
        else if (all.length === 0) context.print('no schedules')
        else context.print(renderScheduleTable(all, timeZone))
      })
    })
}
