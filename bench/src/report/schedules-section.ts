import type { BenchResults } from '../results.js'
import { table } from './table.js'

function entries(counts: Record<string, number>): string {
  const text = Object.entries(counts)
    .map(([key, value]) => `${key} ${value}`)
    .join(', ')
  return text === '' ? 'none' : text
}

/** The schedules scenario: idle cost with 0 and 100 schedules, and a fleet firing every second. */
export function schedulesSection(results: BenchResults, caveat: string): string[] {
  const schedules = results.schedules
  if (!schedules) return []
  const parts = ['### Schedules', caveat]
  if (schedules.idle.length > 0) {
    const baseline = (push: boolean) =>
      schedules.idle.find((entry) => entry.push === push && entry.schedules === 0)
    parts.push(
      table(
        [
          'schedules',
          'push',
          'setting',
          'app commands/s',
          'Δ vs 0 schedules',
          'schedule commands/s',
          'commands in window (operation:command)',
        ],
        schedules.idle.map((entry) => {
          const zero = baseline(entry.push)
          return [
            entry.schedules,
            entry.push ? 'on' : 'off',
            entry.setting,
            entry.commandsPerSecond,
            zero === undefined ? null : Number((entry.commandsPerSecond - zero.commandsPerSecond).toFixed(3)),
            entry.scheduleCommandsPerSecond,
            `${entries(entry.byCommand)} in ${entry.windowSeconds} s`,
          ]
        }),
      ),
    )
    parts.push(
      'One durabl worker process per row (1 type registered, no job due), the four side by side on the same ' +
        'server, each with its own database; the schedules are stored before the worker starts and none is due ' +
        'in the window (every day from tomorrow). A queue reads every schedule once per `schedules.scanIntervalMs` ' +
        '(60 s) whether it has any or not (`listSchedules:find`), and learns of changes from its one change stream.',
    )
  }
  const fleet = schedules.fleet
  if (fleet) {
    parts.push(
      table(
        [
          'processes × schedules',
          'every',
          'enqueued / expected',
          'exactly once',
          'schedule:enqueued events',
          'lag p50 / p99 / max ms',
          'schedule cmds/occurrence (whole window)',
          'steady, without scans',
          'fired by process',
          'schedule commands, whole window (operation:command)',
        ],
        [
          [
            `${fleet.processes} × ${fleet.schedules}`,
            `${fleet.everyMs} ms`,
            `${fleet.enqueued} / ${fleet.expected}`,
            `${fleet.exact ? 'yes' : 'NO'} (${fleet.storedJobs.missing} missing, ` +
              `${fleet.storedJobs.duplicates} duplicated, ${fleet.storedJobs.unexpected} unexpected)`,
            `${fleet.enqueuedEvents}` +
              (fleet.occurrencesWithoutEvent > 0
                ? ` (${fleet.occurrencesWithoutEvent} occurrences without one, e.g. ${fleet.withoutEventExamples?.[0]})`
                : ''),
            `${fleet.lag.p50Ms} / ${fleet.lag.p99Ms} / ${fleet.lag.maxMs}`,
            fleet.commandsPerOccurrence,
            `${fleet.steadyCommandsPerOccurrence} (${entries(fleet.steadyByCommand)} for ${fleet.steadyOccurrences})`,
            fleet.enqueuedByProcess.join(' / '),
            entries(fleet.byCommand) + (fleet.error ? ` — ${fleet.error}` : ''),
          ],
        ],
      ),
    )
    parts.push(
      `${fleet.processes} worker processes (push on, durabl defaults) run ${fleet.schedules} schedules with ` +
        `\`everyMs: ${fleet.everyMs}\`, \`startAt\` and \`endAt\` ${fleet.occurrencesPerSchedule - 1} s apart ` +
        `(${fleet.occurrencesPerSchedule} occurrences each, both ends included), stored before the workers start. ` +
        'Lag: `schedule:enqueued`’s `lagMs` (occurrence instant → the firing pass), from every process over IPC. ' +
        'Enqueued and exactly once: in the database, one job per expected occurrence key and no other; the events are ' +
        'checked against it (the process that writes an occurrence’s job emits one). ' +
        'Schedule commands: every process’s commands commented `durabl:fireSchedule`, `getSchedule`, `listSchedules`, ' +
        '… per occurrence enqueued, from go to after the last occurrence. The first occurrence of a new schedule has ' +
        'no owner yet, so every process fires it (the unique occurrence key and the compare-and-set keep one); ' +
        `"steady" starts ${fleet.steadyAfterFirstMs / 1000} s after it and leaves out the periodic scan, which the idle ` +
        'rows price. An owner fires the schedules due at one instant one after another, so the lag grows with their ' +
        'number. All application commands of the fleet, processing the occurrences’ jobs included: ' +
        `${fleet.allCommandsPerOccurrence} per occurrence (${entries(fleet.allByCommand)}).`,
    )
  }
  return parts
}
