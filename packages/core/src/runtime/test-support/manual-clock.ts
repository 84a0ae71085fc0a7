import type { Clock, ClockTimer } from '../../clock.js'

/**
 * A minimal hand-driven clock for core's own unit tests (core cannot depend on @durabl/testing,
 * which depends on core). `advance()` fires due timers in order and lets promise chains settle.
 */
export class ManualClock implements Clock {
  #nowMs: number
  #sequence = 0
  readonly #timers = new Map<ClockTimer, { dueMs: number; sequence: number; callback: () => void }>()

  constructor(start = Date.UTC(2030, 0, 1)) {
    this.#nowMs = start
  }

  now(): Date {
    return new Date(this.#nowMs)
  }

  setTimeout(callback: () => void, delayMs: number): ClockTimer {
    const handle = Object.freeze({ __clockTimer: true as const })
    this.#timers.set(handle, {
      dueMs: this.#nowMs + Math.max(0, delayMs),
      sequence: this.#sequence++,
      callback,
    })
    return handle
  }

  clearTimeout(timer: ClockTimer): void {
    this.#timers.delete(timer)
  }

  get pendingTimerCount(): number {
    return this.#timers.size
  }

  async advance(ms: number): Promise<void> {
    const targetMs = this.#nowMs + ms
    await flushTurns()
    for (;;) {
      const next = [...this.#timers.entries()]
        .filter(([, timer]) => timer.dueMs <= targetMs)
        .sort(([, a], [, b]) => a.dueMs - b.dueMs || a.sequence - b.sequence)[0]
      if (!next) break
      this.#timers.delete(next[0])
      this.#nowMs = Math.max(this.#nowMs, next[1].dueMs)
      next[1].callback()
      await flushTurns()
    }
    this.#nowMs = targetMs
  }
}

/** Lets setImmediate callbacks and the promise chains they start run. */
export async function flushTurns(turns = 3): Promise<void> {
  for (let turn = 0; turn < turns; turn++) await new Promise<void>((resolve) => setImmediate(resolve))
}
