import { CommandFailure } from './cli-errors.js'
import type { CommandContext } from './command-context.js'

/**
 * Guards a change to many jobs: goes ahead with `--yes`, asks on a terminal, and refuses when no
 * one can be asked (a script, a pipe, CI) so that a missing `--yes` never deletes silently.
 */
export async function confirmChange(
  context: CommandContext,
  options: { yes: boolean | undefined; action: string; dryRunHint: boolean },
): Promise<void> {
  if (options.yes) return
  const hint = options.dryRunHint ? ' (or --dry-run to only see what it would touch)' : ''
  if (!context.io.stdin.isTTY) {
    throw new CommandFailure(
      `refusing to ${options.action} without confirmation: stdin is not a terminal; pass --yes to go ahead${hint}`,
    )
  }
  if (!(await context.io.confirm(`${options.action}?`)))
    throw new CommandFailure('aborted: nothing was changed')
}
