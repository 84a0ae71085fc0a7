import type { Command } from 'commander'
import { parseInteger, parseTime } from './arguments.js'
import type { CliIo } from './cli-io.js'
import { type Connection, type ConnectionFlags, connect, resolveConnection } from './connect.js'

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
  /** Writes a line (or lines) to stdout. */
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
      io.stdout.write(`${text}\n`)
    },
    printJson(value) {
      io.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
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
        return await run(connection)
      } finally {
        await connection.close().catch(() => undefined)
      }
    },
  }
}
