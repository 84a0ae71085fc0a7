import { type Backend, JobQueue, systemClock, ValidationError, validateJobType } from '@durabl/core'
import { MONGO_DEFAULTS, MongoBackend } from '@durabl/mongo'
import type { Command } from 'commander'
import { CommandFailure, UsageError } from '../cli-errors.js'
import type { CommandContext } from '../command-context.js'
import type { Connection } from '../connect.js'
import { CLI_WORKER_ID } from './schedule-access.js'

/** The option of every command that reads or writes type controls. */
export const CONTROLS_COLLECTION_OPTION = [
  '--controls-collection <name>',
  `the type controls' collection (default: ${MONGO_DEFAULTS.controlsCollectionName})`,
] as const

/** `--controls-collection`, checked before connecting. */
export function controlsCollectionOption(value: string | undefined): string {
  const name = value ?? MONGO_DEFAULTS.controlsCollectionName
  if (name === '' || name.includes('$')) {
    throw new UsageError(
      `--controls-collection must be a non-empty name without "$", got ${JSON.stringify(name)}`,
    )
  }
  return name
}

/** The job type of `pause`/`resume`: exactly one of a type or `--all`, checked before connecting. */
export function typeOrAll(
  type: string | undefined,
  all: boolean | undefined,
  verb: string,
): string | undefined {
  if (all && type !== undefined) throw new UsageError(`${verb} takes a job type or --all, not both`)
  if (!all && type === undefined) throw new UsageError(`${verb} needs a job type, or --all for every type`)
  if (type === undefined) return undefined
  try {
    return validateJobType(type)
  } catch (error) {
    if (ValidationError.isInstance(error))
      throw new UsageError(`the job type ${error.message.replace(/^type /, '')}`)
    throw error
  }
}

/** The connection's backend with the controls collection the command names. */
export function controlsBackend(connection: Connection, controlsCollectionName: string): Backend {
  return new MongoBackend({
    db: connection.client.db(connection.resolved.databaseName),
    collectionName: connection.resolved.collectionName,
    controlsCollectionName,
    useChangeStreams: false,
    createIndexes: false,
  })
}

/**
 * Connects and hands `run` a `JobQueue` over a MongoBackend with the named controls collection,
 * never started (it claims nothing), on a clock that reads `--now` when given: pauses go through
 * the same validation and warnings as an application's `queue.pause()`.
 */
export function withControls<T>(
  context: CommandContext,
  command: Command,
  controlsCollectionName: string,
  run: (queue: JobQueue) => Promise<T>,
): Promise<T> {
  return context.withConnection(command, async (connection) => {
    const backend = controlsBackend(connection, controlsCollectionName)
    if (backend.capabilities.controls !== true)
      throw new CommandFailure(`the ${backend.name} backend of this durabl CLI does not store type controls`)
    const queue = new JobQueue(backend, {
      workerId: CLI_WORKER_ID,
      clock: { ...systemClock, now: () => context.now(command) },
    })
    return run(queue)
  })
}
