import type { Job } from '@durabl/core'

/**
 * Counts the attempts running in this process, per job type, from the queue's events: an attempt
 * takes a slot at `job:active` and frees it at its one outcome event (`job:completed`,
 * `job:failed`, `job:released` or `lease:lost`). Attempts are keyed by job id and attempt number,
 * so a `job:released` for a job that was claimed but never started frees nothing.
 *
 * Used only when the queue does not expose `getConcurrency()`. It slightly undercounts compared
 * with the runtime's own count: a handler that called `ctx.complete()` and keeps running still
 * holds its slot in the runtime, but its outcome event has fired.
 */
export class SlotTracker {
  readonly #running = new Map<string, Set<string>>()

  start(job: Job): void {
    let attempts = this.#running.get(job.type)
    if (!attempts) {
      attempts = new Set()
      this.#running.set(job.type, attempts)
    }
    attempts.add(attemptKey(job))
  }

  finish(job: Job): void {
    this.#running.get(job.type)?.delete(attemptKey(job))
  }

  /** Every type seen so far, with its running attempts (0 once they finished, so series do not vanish). */
  snapshot(): Array<{ type: string; inUse: number }> {
    return [...this.#running].map(([type, attempts]) => ({ type, inUse: attempts.size }))
  }
}

function attemptKey(job: Job): string {
  return `${job.id}\u0000${job.attempts}`
}
