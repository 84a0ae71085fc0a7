/** An opaque handle returned by `Clock.setTimeout`. */
export type ClockTimer = { readonly __clockTimer: true } | ReturnType<typeof setTimeout>

/**
 * Where the runtime reads time and schedules its timers (polls, heartbeats, recovery, timeouts).
 * `systemClock` by default; `TestClock` from `@durabl/testing` lets tests advance time by hand.
 */
export interface Clock {
  now(): Date
  /** Calls `callback` once after `delayMs` of this clock's time. */
  setTimeout(callback: () => void, delayMs: number): ClockTimer
  clearTimeout(timer: ClockTimer): void
}

/** Wall-clock time and Node's timers. Timers are unref'd so they never keep a process alive. */
export const systemClock: Clock = {
  now: () => new Date(),
  setTimeout(callback, delayMs) {
    const timer = setTimeout(callback, delayMs)
    timer.unref?.()
    return timer
  },
  clearTimeout(timer) {
    clearTimeout(timer as ReturnType<typeof setTimeout>)
  },
}
