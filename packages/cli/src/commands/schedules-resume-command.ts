import { Command } from 'commander'
import { parseScheduleId } from '../arguments.js'
import type { CommandContext } from '../command-context.js'
import { summarizeSchedule } from '../format/schedule.js'
import { formatTimeIn } from '../format/zoned-time.js'
import { notFound, TIME_ZONE_OPTION, timeZoneOption, withSchedules } from './schedule-access.js'

interface ResumeOptions {
  tz?: string
  json?: boolean
}

export function schedulesResumeCommand(context: CommandContext): Command {
  return new Command('resume')
    .description('enqueue occurrences again, from the next one after now (none are caught up)')
    .argument('<id>', 'the schedule id')
    .option(...TIME_ZONE_OPTION)
    .option('--json', 'print JSON only: { changed, schedule }')
    .action(async (rawId: string, options: ResumeOptions, command: Command) => {
      const id = parseScheduleId(rawId)
      const timeZone = timeZoneOption(options.tz)
      await withSchedules(context, command, async (schedules) => {
        const before = await schedules.get(id)
        if (before === null) throw notFound(id)
        const after = before.paused ? await schedules.resume(id) : before
        if (after === null) throw notFound(id)
        const changed = before.paused
        if (options.json) {
          context.printJson({ changed, schedule: summarizeSchedule(after) })
          return
        }
        const next =
          after.nextRunAt === null
            ? 'it has ended (limit reached or past its end)'
            : `next run ${formatTimeIn(after.nextRunAt, timeZone)}`
        context.print(changed ? `resumed schedule ${id}: ${next}` : `schedule ${id} is not paused: ${next}`)
      })
    })
}
