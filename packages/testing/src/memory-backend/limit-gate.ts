import type { Job, TypeLimits } from '@durabl/core'
import type { MemoryLimiters } from './memory-limiters.js'

/** What the gate says about one due job. */
export type Admission =
  /** It may start; a rate-limited job at `startedAtMs` (else at the claim's `now`). */
  | { kind: 'start'; startedAtMs: number | null }
  /** A concurrency limit is reached: it stays due and is skipped. */
  | { kind: 'held' }
  /** A rate limit is used up: its `runAt` moves to when the limit allows a start. */
  | { kind: 'later'; runAtMs: number }

/**
 * Holds one claim of a MemoryBackend to the fleet-wide limits of its types, with the semantics of
 * `claimJobs` (docs/limits.md): concurrency counts every active job of the type (and of its key),
 * rate limits keep a sliding log per limit. A type's limiter records first and its instant is the
 * start's instant; a key's limiter of that type records at that instant or holds the job back.
 * Unlike MongoDB, nothing is reserved before it is used: no start is wasted.
 */
export class LimitGate {
  readonly #active = new Map<string, number>()
  readonly #nowMs: number

  constructor(
    active: Iterable<Job>,
    private readonly limiters: MemoryLimiters,
    now: Date,
  ) {
    this.#nowMs = now.getTime()
    for (const job of active) this.#count(job)
  }

  admit(job: Job, limits: TypeLimits | null): Admission {
    if (limits === null) return { kind: 'start', startedAtMs: null }
    const key = job.limitKey ?? null
    if (limits.concurrency !== undefined && this.#activeOf(job.type) >= limits.concurrency)
      return { kind: 'held' }
    const perKey = limits.perKey
    if (
      key !== null &&
      perKey?.concurrency !== undefined &&
      this.#activeOf(job.type, key) >= perKey.concurrency
    )
      return { kind: 'held' }

    let atMs: number | null = null
    const typeRate = limits.rateLimit
    const typeId = JSON.stringify([job.type])
    if (typeRate !== undefined) {
      const room = this.limiters.room(typeId, typeRate, this.#nowMs, true)
      if (room.room === 0) return { kind: 'later', runAtMs: room.nextAllowedMs }
      atMs = room.atMs
    }
    const keyRate = key === null ? undefined : perKey?.rateLimit
    const keyId = JSON.stringify([job.type, key])
    if (keyRate !== undefined) {
      const room = this.limiters.room(keyId, keyRate, atMs ?? this.#nowMs, atMs === null)
      if (room.room === 0) return { kind: 'later', runAtMs: room.nextAllowedMs }
      atMs ??= room.atMs
    }
    if (typeRate !== undefined && atMs !== null) this.limiters.record(typeId, typeRate, atMs)
    if (keyRate !== undefined && atMs !== null) this.limiters.record(keyId, keyRate, atMs)
    return { kind: 'start', startedAtMs: atMs }
  }

  /** Counts a job this claim started. */
  started(job: Job): void {
    this.#count(job)
  }

  #count(job: Job): void {
    const typeKey = JSON.stringify([job.type])
    this.#active.set(typeKey, (this.#active.get(typeKey) ?? 0) + 1)
    if (job.limitKey != null) {
      const keyKey = JSON.stringify([job.type, job.limitKey])
      this.#active.set(keyKey, (this.#active.get(keyKey) ?? 0) + 1)
    }
  }

  #activeOf(type: string, key?: string): number {
    return this.#active.get(JSON.stringify(key === undefined ? [type] : [type, key])) ?? 0
  }
}
