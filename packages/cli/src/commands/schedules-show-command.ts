import { Command } from 'commander'
import { parseScheduleId } from '../arguments.js'
import type { CommandContext } from '../command-context.js'
import { renderSchedule, scheduleForDisplay } from '../format/schedule.js'
import { nextOption, notFound, TIME_ZONE_OPTION, timeZoneOption, withSchedules } from './schedule-access.js'

interface ShowOptions {
  tz?: string
  next?: string
  data?: boolean
  json?: boolean
}

export function schedulesShowCommand(context: CommandContext): Command {
  return new Command('show')
    .description('show one schedule: its definition, where it stands, and its next occurrences')
    .argument('<id>', 'the schedule id')
    .option('--next <n>', 'how many upcoming occurrences to list, 1 to 1000 (default 5)')
    .option(...TIME_ZONE_OPTION)
    .option('--data', "also show the payload (the jobs' data); it may hold personal data")
    .option('--json', 'print JSON only')
    .action(async (rawId: string, options: ShowOptions, command: Command) => {
      const id = parseScheduleId(rawId)
      const timeZone = timeZoneOption(options.tz)
      const nextCount = nextOption(options.next)
      await withSchedules(context, command, async (schedules) => {
        const schedule = await schedules.get(id)
        if (schedule === null) throw notFound(id)
        const nextOccurrences = await schedules.preview(id, nextCount)
        const includeData = options.data === true
        if (options.json) context.printJson(scheduleForDisplay(schedule, { includeData, nextOccurrences }))
        else context.print(renderSchedule(schedule, { includeData, timeZone, nextOccurrences, nextCount }))
      })
    })
}
