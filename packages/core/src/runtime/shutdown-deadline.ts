import type { Clock, ClockTimer } from '../clock.js'

/**
 * A point in time on the queue's clock that shutdown's waits race against, with one timer.
 * `race()` says whether the work settled first; the work itself is not cancelled.
 */
export class ShutdownDeadline {
  readonly #clock: Clock
  #timer: ClockTimer | null
  #passed = false
  readonly #expired: Promise<false>

  constructor(clock: Clock, inMs: number) {
    this.#clock = clock
    let expire!: () => void
    this.#expired = new Promise<false>((resolve) => {
      expire = () => resolve(false)
    })
    if (inMs <= 0) {
      // Already due: no timer, so a test clock that never moves cannot hold shutdown up.
      this.#timer = null
      this.#passed = true
      expire()
      return
    }
    this.#timer = clock.setTimeout(() => {
      this.#timer = null
      this.#passed = true
      expire()
    }, inMs)
  }

  get passed(): boolean {
    return this.#passed
  }

  /** Resolves true when `work` settled (fulfilled or rejected) before the deadline, false otherwise. */
  race(work: Promise<unknown>): Promise<boolean> {
    const settled = work.then(
      () => true as const,
      () => true as const,
    )
    if (!this.#passed) return Promise.race([settled, this.#expired])
    // Past the deadline, work that settles without waiting on I/O (already done, or an in-memory
    // backend) still counts as done: it gets one turn of the event loop, nothing more.
    return Promise.race([settled, new Promise<false>((resolve) => setImmediate(() => resolve(false)))])
  }

  /** Clears the timer (shutdown finished in time). */
  dispose(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer)
    this.#timer = null
  }
}
