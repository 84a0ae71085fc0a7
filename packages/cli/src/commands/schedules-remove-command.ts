import { Command } from 'commander'
import { parseScheduleId } from '../arguments.js'
import type { CommandContext } from '../command-context.js'
import { confirmChange } from '../confirm.js'
import { safeMessage } from '../format/safe-text.js'
import { describeTiming, summarizeSchedule } from '../format/schedule.js'
import { notFound, withSchedules } from './schedule-access.js'

interface RemoveOptions {
  yes?: boolean
  json?: boolean
}

export function schedulesRemoveCommand(context: CommandContext): Command {
  return new Command('remove')
    .description('delete a schedule; jobs it enqueued stay (asks first; --yes in scripts)')
    .argument('<id>', 'the schedule id')
    .option('-y, --yes', 'remove without asking (needed when stdin is not a terminal)')
    .option('--json', 'print JSON only: { removed, schedule }')
    .action(async (rawId: string, options: RemoveOptions, command: Command) => {
      const id = parseScheduleId(rawId)
      await withSchedules(context, command, async (schedules) => {
        const schedule = await schedules.get(id)
        if (schedule === null) throw notFound(id)
        const lines = [
          `about to remove schedule ${id} (${schedule.definition.type}, ${describeTiming(schedule.definition)}, ${schedule.runs} run${schedule.runs === 1 ? '' : 's'} so far); jobs it enqueued stay`,
        ]
        // sync() creates a declared schedule again: removing it here lasts until the next deploy.
        if (schedule.managed && schedule.undeclaredSince === null) {
          lines.push(
            'it is declared by queue.schedules.sync(): the next sync() that declares it creates it again. Remove it from the code (or pause it) to stop it for good',
          )
        }
        const summary = `${safeMessage(lines.join('\n'))}\n`
        // Under --json the summary goes to stderr, so stdout stays one JSON document.
        if (options.json) context.io.stderr.write(summary)
        else context.io.stdout.write(summary)
        await confirmChange(context, {
          yes: options.yes,
          action: `remove schedule ${JSON.stringify(id)}`,
          dryRunHint: false,
        })
        const removed = await schedules.remove(id)
        if (!removed) throw notFound(id)
        if (options.json) context.printJson({ removed, schedule: summarizeSchedule(schedule) })
        else context.print(`removed schedule ${id}`)
      })
    })
}
