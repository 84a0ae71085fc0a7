/** One step of a graceful stop: a name for the log line, and the work. */
export interface StopStep {
  name: string
  run: () => Promise<void> | void
}

/**
 * Runs every step in order, even after one fails, so a failed drain still closes the connection.
 * Resolves with one line naming each failed step and its error, or `null` when all succeeded; it
 * never rejects, so a signal handler cannot leave an unhandled rejection behind.
 */
export async function stopInOrder(steps: readonly StopStep[]): Promise<string | null> {
  const failures: string[] = []
  for (const step of steps) {
    try {
      await step.run()
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      failures.push(`${step.name} failed: ${message.split('\n')[0]}`)
    }
  }
  return failures.length === 0 ? null : failures.join('; ')
}

export interface StopHandlerParams {
  /** The steps to run, asked for when the first signal arrives (what is running by then). */
  steps: () => readonly StopStep[]
  log: (line: string) => void
  /** Where the one line about a failed stop goes (stderr). */
  logError: (line: string) => void
  exit: (code: number) => void
}

/**
 * The handler for SIGTERM and SIGINT: the first signal stops everything in order and exits 0, or logs
 * one line and exits 1 when a step failed; later signals while stopping are ignored.
 */
export function createStopHandler({ steps, log, logError, exit }: StopHandlerParams) {
  let stopping = false
  return async (signal: string): Promise<void> => {
    if (stopping) return
    stopping = true
    const list = steps()
    log(`${signal}: stopping: ${list.map((step) => step.name).join(', ')}`)
    const failure = await stopInOrder(list)
    if (failure === null) {
      log('stopped cleanly')
      return exit(0)
    }
    logError(`${signal}: stopping failed: ${failure}`)
    exit(1)
  }
}
