import type { RunningAttempt } from './running-attempt.js'

/**
 * How an attempt came to this queue. Fetched and inline attempts run a handler here and hold a
 * concurrency slot while it runs; a `claimOrEnqueue` handle runs the caller's code, holds no slot,
 * and is still recorded so shutdown can release it.
 */
export type AttemptKind = 'fetched' | 'inline' | 'handle'

interface Entry {
  kind: AttemptKind
  /** Counts against the limits: the handler still runs (or waits for its write, see `handlerReturned`). */
  holdsSlot: boolean
  /** The handler returned, or there is none (a handle): only the outcome's record is missing. */
  runEnded: boolean
  /** The outcome was acknowledged (or given up): only the handler's return is missing. */
  recorded: boolean
  /** The slot was freed while the acknowledgement was unwritten (counted in `awaitingAck`). */
  freedEarly: boolean
  /** Resolves when the handler returned and the outcome was recorded, for shutdown's grace wait. */
  done: Promise<void> | null
}

export interface SlotPoolParams {
  /**
   * The most attempts whose slot was freed before their acknowledgement was written (decision
   * 0004). Past it, a slot waits for its write again.
   */
  maxAwaitingAck: number
  /** A slot of this type was freed (the fetcher may claim for it). */
  onSlotFreed(type: string): void
  /**
   * An attempt of this type had its outcome recorded (its acknowledgement written, or given up):
   * the fleet-wide limit slots it held in storage are free.
   */
  onRecorded?(type: string): void
}

/**
 * The one record of the attempts a queue holds, from `begin()` until the handler has returned and
 * the outcome is recorded. The fetcher plans its claims from it, `getConcurrency()` reports it and
 * shutdown waits for and releases what it lists, so the three cannot disagree.
 *
 * A slot frees when the handler returns, before the acknowledgement is written (decision 0004),
 * unless `maxAwaitingAck` acknowledgements are unwritten already; then it frees when the run ends.
 */
export class SlotPool {
  readonly #params: SlotPoolParams
  readonly #entries = new Map<RunningAttempt, Entry>()
  #awaitingAck = 0

  constructor(params: SlotPoolParams) {
    this.#params = params
  }

  /** Records a begun attempt; fetched and inline attempts take a slot. */
  add(attempt: RunningAttempt, kind: AttemptKind): void {
    this.#entries.set(attempt, {
      kind,
      holdsSlot: kind !== 'handle',
      runEnded: kind === 'handle',
      recorded: false,
      freedEarly: false,
      done: null,
    })
  }

  /** The promise that settles when the attempt's run has ended, for shutdown. */
  trackRun(attempt: RunningAttempt, done: Promise<void>): void {
    const entry = this.#entries.get(attempt)
    if (entry) entry.done = done
  }

  /** The handler returned and the outcome is decided: free the slot unless too many writes wait. */
  handlerReturned(attempt: RunningAttempt): void {
    const entry = this.#entries.get(attempt)
    if (!entry?.holdsSlot) return
    if (!entry.recorded) {
      if (this.#awaitingAck >= this.#params.maxAwaitingAck) return
      entry.freedEarly = true
      this.#awaitingAck++
    }
    this.#free(attempt, entry)
  }

  /** The run is over (handler returned, outcome recorded): the slot frees if it was still held. */
  runEnded(attempt: RunningAttempt): void {
    const entry = this.#entries.get(attempt)
    if (!entry) return
    entry.runEnded = true
    this.#free(attempt, entry)
    this.#removeIfDone(attempt, entry)
  }

  /** The outcome was acknowledged or given up. */
  recorded(attempt: RunningAttempt): void {
    const entry = this.#entries.get(attempt)
    if (!entry) return
    entry.recorded = true
    if (entry.freedEarly) {
      entry.freedEarly = false
      this.#awaitingAck--
    }
    this.#removeIfDone(attempt, entry)
    this.#params.onRecorded?.(attempt.job.type)
  }

  /** Attempts holding a slot now, of one type or of all. */
  inUse(type?: string): number {
    let count = 0
    for (const [attempt, entry] of this.#entries)
      if (entry.holdsSlot && (type === undefined || attempt.job.type === type)) count++
    return count
  }

  /** Slots in use per type. */
  inUseByType(): Map<string, number> {
    const counts = new Map<string, number>()
    for (const [attempt, entry] of this.#entries)
      if (entry.holdsSlot) counts.set(attempt.job.type, (counts.get(attempt.job.type) ?? 0) + 1)
    return counts
  }

  /** Handlers running now, fetched and inline (a handle runs the caller's code, not counted). */
  get runningCount(): number {
    let count = 0
    for (const entry of this.#entries.values()) if (entry.kind !== 'handle' && !entry.runEnded) count++
    return count
  }

  /** Every attempt recorded: running, waiting for its acknowledgement, or a handle. */
  attempts(): RunningAttempt[] {
    return [...this.#entries.keys()]
  }

  /** What shutdown's grace period waits for: each run's end, and each handle's outcome. */
  settled(): Array<Promise<unknown>> {
    return [...this.#entries].map(([attempt, entry]) => entry.done ?? attempt.outcome)
  }

  /** Attempts whose outcome is still to be recorded (the acknowledgement may be in flight). */
  unrecorded(): RunningAttempt[] {
    return [...this.#entries].filter(([, entry]) => !entry.recorded).map(([attempt]) => attempt)
  }

  #free(attempt: RunningAttempt, entry: Entry): void {
    if (!entry.holdsSlot) return
    entry.holdsSlot = false
    this.#params.onSlotFreed(attempt.job.type)
  }

  #removeIfDone(attempt: RunningAttempt, entry: Entry): void {
    if (entry.runEnded && entry.recorded) this.#entries.delete(attempt)
  }
}
