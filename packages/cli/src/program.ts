import { ValidationError } from '@durabl/core'
import { MONGO_DEFAULTS, redact } from '@durabl/mongo'
import { Command, CommanderError, Option } from 'commander'
import { CommandFailure, EXIT_CODES, UsageError } from './cli-errors.js'
import { type CliIo, type OutputStream, processIo } from './cli-io.js'
import { createCommandContext } from './command-context.js'
import { indexesCheckCommand } from './commands/indexes-check-command.js'
import { indexesEnsureCommand } from './commands/indexes-ensure-command.js'
import { jobsCancelCommand } from './commands/jobs-cancel-command.js'
import { jobsListCommand } from './commands/jobs-list-command.js'
import { jobsPurgeCommand } from './commands/jobs-purge-command.js'
import { jobsRetryCommand } from './commands/jobs-retry-command.js'
import { jobsShowCommand } from './commands/jobs-show-command.js'
import { pauseCommand } from './commands/pause-command.js'
import { schedulesListCommand } from './commands/schedules-list-command.js'
import { schedulesPauseCommand } from './commands/schedules-pause-command.js'
import { schedulesRemoveCommand } from './commands/schedules-remove-command.js'
import { schedulesResumeCommand } from './commands/schedules-resume-command.js'
import { schedulesShowCommand } from './commands/schedules-show-command.js'
import { schedulesTriggerCommand } from './commands/schedules-trigger-command.js'
import { statsCommand } from './commands/stats-command.js'
import { workersCommand } from './commands/workers-command.js'
import { DEFAULT_DATABASE_NAME, DEFAULT_TIMEOUT_MS } from './connect.js'
import { safeMessage } from './format/safe-text.js'

/** The version printed by `durabl --version`. */
export const CLI_VERSION = '0.0.0'

/** Commander's codes for `--help` and `--version`, which exit 0. */
const SUCCESS_CODES = new Set(['commander.helpDisplayed', 'commander.version'])

/**
 * A stream whose every write loses credentials first (driver errors quote connection strings) and
 * has its control characters escaped except line breaks (messages may quote stored text).
 */
function redacting(stream: OutputStream): OutputStream {
  return {
    isTTY: stream.isTTY,
    write: (text: string) => stream.write(safeMessage(redact(text))),
  }
}

/**
 * Builds the `durabl` program. Nothing touches the process: output, environment, the terminal,
 * signals and the clock come from `io`. Commander never exits the process (`exitOverride`):
 * `main` maps what it throws to exit codes.
 */
export function createProgram(io: CliIo): Command {
  const stderr = redacting(io.stderr)
  const context = createCommandContext({ ...io, stderr })
  const program = new Command('durabl')
    .description('Inspect and operate a durabl job queue stored in MongoDB')
    .version(CLI_VERSION, '-V, --version')
    .option(
      '--uri <uri>',
      'MongoDB connection string (default: $MONGO_URL); never printed with its credentials',
    )
    .option(
      '--db <name>',
      `database (default: $MONGO_DB, else the database in the connection string path, else "${DEFAULT_DATABASE_NAME}")`,
    )
    .option('--collection <name>', 'jobs collection (default: durabl_jobs)')
    .option(
      '--timeout-ms <ms>',
      `how long to look for a server before giving up (default ${DEFAULT_TIMEOUT_MS})`,
    )
    .addOption(
      new Option('--now <time>', 'evaluate due times and ages at this ISO time (for tests)').hideHelp(),
    )
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => stderr.write(text),
    })
    .showHelpAfterError('(run with --help for usage)')

  program.addCommand(statsCommand(context))
  program.addCommand(workersCommand(context))
  program.addCommand(pauseCommand(context, true))
  program.addCommand(pauseCommand(context, false))

  const jobs = new Command('jobs').description('list, show, retry, cancel and purge jobs')
  jobs.addCommand(jobsListCommand(context))
  jobs.addCommand(jobsShowCommand(context))
  jobs.addCommand(jobsRetryCommand(context))
  jobs.addCommand(jobsCancelCommand(context))
  jobs.addCommand(jobsPurgeCommand(context))
  program.addCommand(jobs)

  const schedules = new Command('schedules')
    .description('list, show, pause, resume, trigger and remove schedules (recurring jobs)')
    .option(
      '--schedules-collection <name>',
      `the schedules' collection, for an application that set schedulesCollectionName (default: ${MONGO_DEFAULTS.schedulesCollectionName})`,
    )
  schedules.addCommand(schedulesListCommand(context))
  schedules.addCommand(schedulesShowCommand(context))
  schedules.addCommand(schedulesPauseCommand(context))
  schedules.addCommand(schedulesResumeCommand(context))
  schedules.addCommand(schedulesTriggerCommand(context))
  schedules.addCommand(schedulesRemoveCommand(context))
  program.addCommand(schedules)

  const indexes = new Command('indexes').description("create and check the jobs collection's indexes")
  indexes.addCommand(indexesEnsureCommand(context))
  indexes.addCommand(indexesCheckCommand(context))
  program.addCommand(indexes)

  // Subcommands added with addCommand do not inherit settings: apply them to the whole tree.
  const applySettings = (command: Command) => {
    command
      .exitOverride()
      .configureOutput(program.configureOutput())
      .showHelpAfterError('(run with --help for usage)')
    for (const child of command.commands) applySettings(child)
  }
  for (const child of program.commands) applySettings(child)
  return program
}

/**
 * Runs `durabl` with `argv` (as `process.argv`: node and script first) and resolves to the exit
 * code: 0 success, 1 failure, 2 usage. Never calls `process.exit`.
 */
export async function main(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const fullIo: CliIo = { ...processIo(), ...io }
  const stderr = redacting(fullIo.stderr)
  const program = createProgram(fullIo)
  try {
    await program.parseAsync([...argv])
    return EXIT_CODES.success
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed its message (unknown option, missing argument, help).
      return SUCCESS_CODES.has(error.code) ? EXIT_CODES.success : EXIT_CODES.usage
    }
    if (error instanceof UsageError) {
      stderr.write(`durabl: ${error.message}\n(run with --help for usage)\n`)
      return EXIT_CODES.usage
    }
    if (error instanceof CommandFailure) {
      stderr.write(`durabl: ${error.message}\n`)
      return EXIT_CODES.failure
    }
    if (ValidationError.isInstance(error)) {
      // The CLI checks its arguments first; a backend validation error still is a bad argument.
      stderr.write(`durabl: ${error.message}\n`)
      return EXIT_CODES.usage
    }
    const message = error instanceof Error ? error.message : String(error)
    stderr.write(`durabl: ${message}\n`)
    return EXIT_CODES.failure
  }
}
