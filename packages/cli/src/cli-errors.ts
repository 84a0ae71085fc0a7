/** The exit codes of `durabl`. */
export const EXIT_CODES = {
  /** The command did what was asked. */
  success: 0,
  /** The operation failed, a check found problems, a job was not found, the server was unreachable. */
  failure: 1,
  /** The command line was wrong: unknown command or option, a missing or malformed argument. */
  usage: 2,
} as const

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES]

/** A malformed command line (exit 2). The message names the option, the value and what is allowed. */
export class UsageError extends Error {
  readonly exitCode = EXIT_CODES.usage
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/**
 * A command that ran and must report failure (exit 1): a job not found, a check with problems, a
 * refusal. The message is printed on stderr as is.
 */
export class CommandFailure extends Error {
  readonly exitCode = EXIT_CODES.failure
  constructor(message: string) {
    super(message)
    this.name = 'CommandFailure'
  }
}
