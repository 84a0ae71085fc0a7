import { type Clock, type ClockTimer, ValidationError } from '@durabl/core'

interface ScheduledTimer {
  readonly handle: ClockTimer
  readonly dueAt: number
  /** Breaks ties between timers due at the same time: the one scheduled first fires first. */
  readonly sequence: number
  readonly callback: () => void
}

/** How many macrotask turns `advance()` yields after each timer, so promise chains it started can settle. */
const SETTLE_TURNS = 3

/**
 * A `Clock` whose time moves only when a test moves it. Pass it to `new JobQueue(backend, { clock })`
 * and drive polls, heartbeats, lease recovery and timeouts with `advance()`.
 *
 * Timers fire in due-time order (then in the order they were set). Between timers, `advance()`
 * lets pending promise continuations and I/O callbacks run, so a timer set by work that a fired
 * timer started still fires if it falls inside the advanced window. Deterministic: nothing here
 * reads the wall clock.
 */
export class TestClock implements Clock {
  private currentMs: number
  private nextSequence = 0
  private readonly timers = new Map<ClockTimer, ScheduledTimer>()

  /** @param start - The initial time. @defaultValue 2030-01-01T00:00:00.000Z */
  constructor(start: Date = new Date('2030-01-01T00:00:00.000Z')) {
    this.currentMs = validTime('start', start)
  }

  now(): Date {
    return new Date(this.currentMs)
  }

  setTimeout(callback: () => void, delayMs: number): ClockTimer {
    const delay = Number.isFinite(delayMs) && delayMs > 0 ? delayMs : 0
    const handle = Object.freeze({ __clockTimer: true as const })
    this.timers.set(handle, {
      handle,
      dueAt: this.currentMs + delay,
      sequence: this.nextSequence++,
      callback,
    })
    return handle
  }

  clearTimeout(timer: ClockTimer): void {
    this.timers.delete(timer)
  }

  /** Timers set and not yet fired or cleared. */
  get pendingTimerCount(): number {
    return this.timers.size
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, in order. */
  async advance(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) throw new ValidationError('ms', 'must be a finite number >= 0', ms)
    await this.runUntil(this.currentMs + ms)
  }

  /** Moves time forward to `date` (not backwards), firing due timers on the way. */
  async advanceTo(date: Date): Promise<void> {
    const target = validTime('date', date)
    if (target < this.currentMs) {
      throw new ValidationError(
        'date',
        `must not be before the clock's time ${this.now().toISOString()}`,
        date,
      )
    }
    await this.runUntil(target)
  }

  /** Jumps to `date`, backwards or forwards, without firing timers (the next `advance` fires any now due). */
  set(date: Date): void {
    this.currentMs = validTime('date', date)
  }

  /** Moves time to the next timer and fires it. Returns false when no timer is set. */
  async runNext(): Promise<boolean> {
    const next = this.nextTimer()
    if (next === undefined) return false
    this.currentMs = Math.max(this.currentMs, next.dueAt)
    await this.fire(next)
    return true
  }

  private async runUntil(targetMs: number): Promise<void> {
    await settle()
    for (;;) {
      const next = this.nextTimer()
      if (next === undefined || next.dueAt > targetMs) break
      this.currentMs = Math.max(this.currentMs, next.dueAt)
      await this.fire(next)
    }
    this.currentMs = Math.max(this.currentMs, targetMs)
  }

  private nextTimer(): ScheduledTimer | undefined {
    let next: ScheduledTimer | undefined
    for (const timer of this.timers.values()) {
      if (
        next === undefined ||
        timer.dueAt < next.dueAt ||
        (timer.dueAt === next.dueAt && timer.sequence < next.sequence)
      ) {
        next = timer
      }
    }
    return next
  }

  private async fire(timer: ScheduledTimer): Promise<void> {
    this.timers.delete(timer.handle)
    timer.callback()
    await settle()
  }
}

function validTime(field: string, date: Date): number {
  if (!(date instanceof Date) || Number.isNaN(date.getTime()))
    throw new ValidationError(field, 'must be a valid Date', date)
  return date.getTime()
}

/** Lets queued promise continuations (and the work they start) run before the next timer fires. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < SETTLE_TURNS; turn++) await new Promise<void>((resolve) => setImmediate(resolve))
}
