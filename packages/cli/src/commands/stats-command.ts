import { statsWithControls } from '@durabl/core'
import { Command } from 'commander'
import { parseInteger, parseTypes } from '../arguments.js'
import { UsageError } from '../cli-errors.js'
import type { CommandContext } from '../command-context.js'
import { formatDurationMs } from '../format/durations.js'
import { renderStatsTable, statsForJson } from '../format/stats.js'
import { formatTime } from '../format/values.js'
import {
  CONTROLS_COLLECTION_OPTION,
  controlsBackend,
  controlsCollectionOption,
} from './type-controls-access.js'

/** How often `stats --watch` refreshes by default. */
export const DEFAULT_WATCH_INTERVAL_MS = 2_000

/** Clears the terminal and moves the cursor home, so each refresh redraws in place. */
const CLEAR_SCREEN = '\u001b[2J\u001b[H'

interface StatsOptions {
  type?: string
  json?: boolean
  watch?: boolean
  intervalMs?: string
  count?: string
  controlsCollection?: string
}

/** Waits `ms`, or less when `stop.wake()` is called (Ctrl-C). */
function interruptibleWait(ms: number, stop: { wake: () => void }): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    stop.wake = () => {
      clearTimeout(timer)
      resolve()
    }
  })
}

export function statsCommand(context: CommandContext): Command {
  return new Command('stats')
    .description('count jobs per type and state, with the age of the oldest due job')
    .option('--type <type>', 'only this job type')
    .option('--json', 'print JSON only (one object per refresh with --watch)')
    .option('--watch', 'refresh until Ctrl-C')
    .option(
      '--interval-ms <ms>',
      `with --watch: time between refreshes (default ${DEFAULT_WATCH_INTERVAL_MS})`,
    )
    .option('--count <n>', 'with --watch: stop after this many refreshes')
    .option(...CONTROLS_COLLECTION_OPTION)
    .action(async (options: StatsOptions, command: Command) => {
      const intervalMs =
        options.intervalMs === undefined
          ? DEFAULT_WATCH_INTERVAL_MS
          : parseInteger('--interval-ms', options.intervalMs, 0, 86_400_000)
      const count =
        options.count === undefined ? undefined : parseInteger('--count', options.count, 1, 1_000_000)
      const refreshes = options.watch ? count : 1
      const types = parseTypes(options.type === undefined ? undefined : [options.type])
      if (types !== undefined && types.length > 1) throw new UsageError('stats --type takes one job type')
      const type = types?.[0]
      const controlsCollection = controlsCollectionOption(options.controlsCollection)
      await context.withConnection(command, async (connection) => {
        const { backend, resolved } = connection
        const controls = controlsBackend(connection, controlsCollection).controls
        const stop = { stopped: false, wake: () => {} }
        const unsubscribe = options.watch
          ? context.io.onInterrupt(() => {
              stop.stopped = true
              stop.wake()
            })
          : () => {}
        try {
          for (let refresh = 1; ; refresh += 1) {
            const now = context.now(command)
            const [counts, typeControls] = await Promise.all([
              backend.getStats({ now, ...(type === undefined ? {} : { type }) }),
              controls?.listTypeControls({}) ?? [],
            ])
            // Paused types are flagged, and listed even when they have no jobs.
            const stats = statsWithControls(counts, typeControls, type)
            if (options.json) {
              // Watching with --json prints one compact object per line (NDJSON) for piping.
              context.io.stdout.write(
                options.watch
                  ? `${JSON.stringify(statsForJson(stats, now))}\n`
                  : `${JSON.stringify(statsForJson(stats, now), null, 2)}\n`,
              )
            } else {
              let header = ''
              if (options.watch) {
                const every = `every ${formatDurationMs(intervalMs)}`
                const title = `durabl stats  ${resolved.databaseName}.${resolved.collectionName}  ${formatTime(now)}  (${every}; Ctrl-C to stop)`
                header = context.io.stdout.isTTY
                  ? `${CLEAR_SCREEN}${title}\n\n`
                  : `${refresh > 1 ? '\n' : ''}${title}\n`
              }
              context.io.stdout.write(`${header}${renderStatsTable(stats, now)}\n`)
            }
            if (!options.watch || stop.stopped || (refreshes !== undefined && refresh >= refreshes)) break
            await interruptibleWait(intervalMs, stop)
            if (stop.stopped) break
          }
        } finally {
          unsubscribe()
        }
      })
    })
}
