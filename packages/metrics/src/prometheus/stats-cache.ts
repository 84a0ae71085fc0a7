import type { QueueStats } from '@durabl/core'

export interface StatsCacheParams {
  /** Reads fresh stats (`queue.getStats()`). */
  load(): Promise<QueueStats>
  /** How long a result is served before the next read, in milliseconds; 0 reads on every call. */
  maxAgeMs: number
  /** The current time in milliseconds. */
  nowMs(): number
  /** Called once per failed read (not once per caller waiting on it). */
  onError(error: unknown): void
}

/**
 * Serves `getStats()` results to scrape-time collectors. A result is reused for `maxAgeMs`
 * (measured from when its read started, so it is never older than that), and callers that arrive
 * while a read is in flight share it: one scrape of several gauges, or several scrapes at once,
 * make one database read. A failed read is not cached; the next scrape tries again.
 */
export class StatsCache {
  readonly #params: StatsCacheParams
  #value: QueueStats | null = null
  #readStartedAtMs = 0
  #inFlight: Promise<QueueStats> | null = null

  constructor(params: StatsCacheParams) {
    this.#params = params
  }

  get(): Promise<QueueStats> {
    if (this.#inFlight) return this.#inFlight
    const nowMs = this.#params.nowMs()
    if (this.#value !== null && nowMs - this.#readStartedAtMs < this.#params.maxAgeMs) {
      return Promise.resolve(this.#value)
    }
    const read = this.#read(nowMs)
    this.#inFlight = read
    // Cleared after the promise settled, so a caller arriving in between still shares it.
    void read.then(
      () => this.#clear(read),
      () => this.#clear(read),
    )
    return read
  }

  async #read(startedAtMs: number): Promise<QueueStats> {
    try {
      const stats = await this.#params.load()
      this.#value = stats
      this.#readStartedAtMs = startedAtMs
      return stats
    } catch (error) {
      this.#params.onError(error)
      throw error
    }
  }

  #clear(read: Promise<QueueStats>): void {
    if (this.#inFlight === read) this.#inFlight = null
  }
}
