import type { RateLimit } from '@durabl/core'

interface Start {
  atMs: number
  n: number
}

/** What a rate limit allows at an instant: room for more starts, or when the next one fits. */
export interface RateRoom {
  /** The instant starts would be recorded at (never before the limiter's newest start). */
  atMs: number
  /** How many more starts fit in the window ending at `atMs` (0 when stale or full). */
  room: number
  /** When `room` is 0: the earliest instant a start could be recorded. */
  nextAllowedMs: number
}

/**
 * The rate limiters of a MemoryBackend: one sliding log per limit (`["<type>"]` or
 * `["<type>","<key>"]`), with the same rules as MongoDB's (`reserve-starts.ts` of
 * `@durabl/mongo`): a log's instants never go back, a start at exactly `at - perMs` is out of the
 * window, and a key limiter recording at its type's instant grants nothing when it already holds a
 * later start (`shiftToNewest: false`).
 */
export class MemoryLimiters {
  readonly #logs = new Map<string, Start[]>()

  /** How much room the limit has at `atMs`. Changes nothing: `record()` does. */
  room(id: string, rate: RateLimit, atMs: number, shiftToNewest: boolean): RateRoom {
    const log = this.#logs.get(id) ?? []
    const newestMs = log.at(-1)?.atMs ?? Number.NEGATIVE_INFINITY
    if (!shiftToNewest && newestMs > atMs) return { atMs, room: 0, nextAllowedMs: newestMs }
    const at = Math.max(atMs, newestMs)
    const live = log.filter((start) => start.atMs > at - rate.perMs)
    const used = live.reduce((sum, start) => sum + start.n, 0)
    const room = Math.max(0, rate.max - used)
    let nextAllowedMs = at
    if (room === 0) {
      let dropped = 0
      for (const start of live) {
        dropped += start.n
        if (used - dropped <= rate.max - 1) {
          nextAllowedMs = start.atMs + rate.perMs
          break
        }
      }
    }
    return { atMs: at, room, nextAllowedMs }
  }

  /**
   * Records one start at `atMs` (a `room()` answer's instant, never before the newest start) and
   * drops the starts that left the window ending there: no later start is recorded before it.
   */
  record(id: string, rate: RateLimit, atMs: number): void {
    const log = (this.#logs.get(id) ?? []).filter((start) => start.atMs > atMs - rate.perMs)
    const last = log.at(-1)
    if (last !== undefined && last.atMs === atMs) last.n += 1
    else log.push({ atMs, n: 1 })
    this.#logs.set(id, log)
  }
}
