import { type Backend, JobQueue, type Schedules, systemClock } from '@durabl/core'
import { MongoBackend } from '@durabl/mongo'
import type { Command } from 'commander'
import { parseInteger, parseTimeZone } from '../arguments.js'
import { CommandFailure, UsageError } from '../cli-errors.js'
import type { CommandContext } from '../command-context.js'
import type { Connection } from '../connect.js'
import { DEFAULT_TIME_ZONE } from '../format/zoned-time.js'

/** The worker id the CLI's queue would write as a schedule owner (it never starts, so it never does). */
export const CLI_WORKER_ID = 'durabl-cli'

/** The option every schedules command that prints times takes. */
export const TIME_ZONE_OPTION = [
  '--tz <zone>',
  `print times in this IANA time zone, with its offset (default ${DEFAULT_TIME_ZONE})`,
] as const

/** `--tz`, checked before connecting. */
export function timeZoneOption(value: string | undefined): string {
  return value === undefined ? DEFAULT_TIME_ZONE : parseTimeZone('--tz', value)
}

/** `--next`: how many occurrences `schedules show` previews. */
export const DEFAULT_NEXT_OCCURRENCES = 5
/** The most `queue.schedules.preview()` returns. */
export const MAX_NEXT_OCCURRENCES = 1_000

export function nextOption(value: string | undefined): number {
  return value === undefined
    ? DEFAULT_NEXT_OCCURRENCES
    : parseInteger('--next', value, 1, MAX_NEXT_OCCURRENCES)
}

/**
 * Connects and hands `run` the connection's `queue.schedules`: a `JobQueue` over the connection's
 * MongoBackend that is never started (so it runs no schedule and claims no job), on a clock that
 * reads `--now` when given. Every write goes through the same validation and compare-and-set as
 * an application's `queue.schedules` calls.
 */
export function withSchedules<T>(
  context: CommandContext,
  command: Command,
  run: (schedules: Schedules, connection: Connection) => Promise<T>,
): Promise<T> {
  const schedulesCollectionName = schedulesCollectionOption(command)
  return context.withConnection(command, async (connection) => {
    // Typed as the contract: the schedule store is an optional part of it.
    const backend: Backend =
      schedulesCollectionName === undefined
        ? connection.backend
        : new MongoBackend({
            db: connection.client.db(connection.resolved.databaseName),
            collectionName: connection.resolved.collectionName,
            schedulesCollectionName,
            useChangeStreams: false,
            createIndexes: false,
          })
    if (backend.capabilities.schedules !== true || backend.schedules === undefined) {
      throw new CommandFailure(
        `the ${backend.name} backend of this durabl CLI does not store schedules: upgrade @durabl/cli`,
      )
    }
    const queue = new JobQueue(backend, {
      workerId: CLI_WORKER_ID,
      clock: { ...systemClock, now: () => context.now(command) },
    })
    return run(queue.schedules, connection)
  })
}

/** `--schedules-collection` (on `durabl schedules`), checked before connecting. */
function schedulesCollectionOption(command: Command): string | undefined {
  const value = command.optsWithGlobals<{ schedulesCollection?: string }>().schedulesCollection
  if (value === undefined) return undefined
  if (value === '' || value.includes('$')) {
    throw new UsageError(
      `--schedules-collection must be a non-empty name without "$", got ${JSON.stringify(value)}`,
    )
  }
  return value
}

/** The schedule, or a failure (exit 1) naming the id that matched none. */
export function notFound(id: string): CommandFailure {
  return new CommandFailure(`no schedule has id ${JSON.stringify(id)} (durabl schedules list shows them)`)
}
