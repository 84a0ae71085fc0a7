import type { Command } from 'commander'
import { parseInteger, parseTime } from './arguments.js'
import type { CliIo } from './cli-io.js'
import { type Connection, type ConnectionFlags, connect, resolveConnection } from './connect.js'
import { safeJson, safeMessage } from './format/safe-text.js'

/** The program-level options, as commander collects them. */
interface GlobalOptions {
  uri?: string
  db?: string
  collection?: string
  timeoutMs?: string
  now?: string
}

/** What every command action gets: output, the clock, and a connection opened on demand. */
export interface CommandContext {
  readonly io: CliIo
  /** Writes a line (or lines) to stdout, control characters other than line breaks escaped. */
  print(text: string): void
  /** Writes a value as JSON to stdout: the only output of a `--json` command. */
  printJson(value: unknown): void
  /** `--now` when given (reproducible reports), else the wall clock. */
  now(command: Command): Date
  /**
   * Connects with the program-level options, runs `run`, and closes the client whatever happens.
   * Arguments are validated before this, so a bad command line never waits for a server.
   */
  withConnection<T>(command: Command, run: (connection: Connection) => Promise<T>): Promise<T>
}

function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>()
}

export function createCommandContext(io: CliIo): CommandContext {
  return {
    io,
    print(text) {
      io.stdout.write(`${safeMessage(text)}\n`)
    },
    printJson(value) {
      io.stdout.write(`${safeJson(JSON.stringify(value, null, 2))}\n`)
    },
    now(command) {
      const option = globalOptions(command).now
      return option === undefined ? io.now() : parseTime('--now', option)
    },
    async withConnection(command, run) {
      const options = globalOptions(command)
      const flags: ConnectionFlags = {
        uri: options.uri,
        db: options.db,
        collection: options.collection,
        timeoutMs:
          options.timeoutMs === undefined
            ? undefined
            : parseInteger('--timeout-ms', options.timeoutMs, 1, 600_000),
      }
      const resolved = resolveConnection(flags, io.env)
      const connection = await connect(resolved)
      try {
        if (resolved.databaseDefaulted) await warnIfDefaultedCollectionMissing(connection, io)
        return await run(connection)
      } finally {
        await connection.close().catch(() => undefined)
      }
    },
  }
}

/**
 * No database was given, so the default is used: if the jobs collection is not there, the user
 * almost certainly meant another database, and an empty report would mislead them.
 */
async function warnIfDefaultedCollectionMissing(connection: Connection, io: CliIo): Promise<void> {
  const { databaseName, collectionName } = connection.resolved
  const found = await connection.client
    .db(databaseName)
    .listCollections({ name: collectionName }, { nameOnly: true })
    .toArray()
  if (found.length > 0) return
  io.stderr.write(
    `durabl: note: ${databaseName}.${collectionName} does not exist. No database was given, so the default "${databaseName}" is used: pass --db <name>, set MONGO_DB, or name it in the connection string path (mongodb://host/app)\n`,
  )
}
