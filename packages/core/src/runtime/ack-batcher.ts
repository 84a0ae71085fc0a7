import type {
  AcknowledgeResult,
  AckResult,
  Backend,
  DedupeRef,
  FailResult,
  JobUpdates,
  LeaseRef,
  ReleaseResult,
} from '../backend.js'
import type { Clock, ClockTimer } from '../clock.js'
import { normalizeError } from '../errors/normalize-error.js'
import type { JobError } from '../job.js'
import { DEFAULTS } from '../options.js'
import type { AbandonedWrite } from './shutdown-report.js'

/** An acknowledgement's buffered progress and logs are taken when it is first written. */
interface AckBase extends LeaseRef {
  /** The job's type, for the shutdown report when the write is abandoned. */
  type: string
  takeUpdates(): JobUpdates
  /** Gives back updates a write took but did not store (it was refused: `cancelRequested`). */
  restoreUpdates?(updates: JobUpdates): void
}
export interface CompleteAck extends AckBase {
  result: unknown
}
export interface FailAck extends AckBase, DedupeRef {
  error: JobError
  /** Due again at this time, or null to fail the job for good (decided by the caller). */
  retryAt: Date | null
}
export interface ReleaseAck extends AckBase, DedupeRef {
  /** Due again at this time (a snooze); absent means now (a shutdown release). */
  runAt?: Date
}
export interface CancelAck extends AckBase {
  error: JobError
}

export type CompleteAckResult = 'applied' | 'lost'
/** `cancelRequested`: a retry refused because the job's cancel was requested (the lease is still held). */
export type FailAckResult = 'retried' | 'failed' | 'lost' | 'cancelRequested'
/** `cancelRequested`: not released because the job's cancel was requested (the lease is still held). */
export type ReleaseAckResult = 'applied' | 'lost' | 'cancelRequested'
export type CancelAckResult = 'applied' | 'lost'

interface Entry<TItem, TResult> {
  item: TItem
  updates: JobUpdates | null
  resolve(result: TResult): void
  reject(error: Error): void
}

export interface AckBatcherParams {
  backend: Backend
  clock: Clock
  /** The most acknowledgements of one kind per backend call. @defaultValue DEFAULTS.ackBatchSize */
  batchSize?: number
  /** Reports a failed write; the entries stay queued and are retried. */
  onError(error: Error, operation: string): void
}

/** Retry delays after a failed write: 100 ms doubling to 10 s, so an outage is neither hammered nor waited out long. */
export const ACK_RETRY_BASE_MS = 100
export const ACK_RETRY_MAX_MS = 10_000
/** While draining at shutdown, a write is tried this many times before its waiters are rejected. */
export const ACK_DRAIN_ATTEMPTS = 3

/** Why an abandoned acknowledgement's waiter is rejected. */
export class AckAbandonedError extends Error {
  constructor() {
    super('the shutdown deadline passed before the backend confirmed this write; the lease will expire')
    this.name = 'AckAbandonedError'
  }
}

/**
 * Batches completions, failures, releases and cancels without a timer: everything acknowledged in the same
 * tick is written together on the next `setImmediate`, and while a write is in flight new
 * acknowledgements accumulate for the next one, so batches grow with load by themselves.
 *
 * A write that fails (database unreachable) is retried with capped exponential backoff; an
 * outcome is never dropped silently. Meanwhile the job's lease may expire and another worker may
 * recover and run it again: delivery is at-least-once. At shutdown `drain()` tries a few more times
 * and then rejects the waiters, leaving those jobs to lease recovery.
 */
export class AckBatcher {
  readonly #backend: Backend
  readonly #clock: Clock
  readonly #batchSize: number
  readonly #onError: (error: Error, operation: string) => void
  #completes: Array<Entry<CompleteAck, CompleteAckResult>> = []
  #fails: Array<Entry<FailAck, FailAckResult>> = []
  #releases: Array<Entry<ReleaseAck, ReleaseAckResult>> = []
  #cancels: Array<Entry<CancelAck, CancelAckResult>> = []
  #flushScheduled = false
  #flushing = false
  #retryTimer: ClockTimer | null = null
  #consecutiveFailures = 0
  #draining = false
  /** Set by `abandon()`: nothing is written any more and late replies are ignored. */
  #abandoned = false
  /** The entries of the write in flight, for `abandon()`. */
  #inFlight: Array<{ write: AbandonedWrite['write']; entry: Entry<AckBase, unknown> }> = []
  #idleWaiters: Array<() => void> = []

  constructor(params: AckBatcherParams) {
    this.#backend = params.backend
    this.#clock = params.clock
    this.#batchSize = params.batchSize ?? DEFAULTS.ackBatchSize
    this.#onError = params.onError
  }

  get pendingCount(): number {
    return this.#completes.length + this.#fails.length + this.#releases.length + this.#cancels.length
  }

  complete(item: CompleteAck): Promise<CompleteAckResult> {
    return this.#enqueue(this.#completes, item)
  }

  fail(item: FailAck): Promise<FailAckResult> {
    return this.#enqueue(this.#fails, item)
  }

  release(item: ReleaseAck): Promise<ReleaseAckResult> {
    return this.#enqueue(this.#releases, item)
  }

  cancel(item: CancelAck): Promise<CancelAckResult> {
    return this.#enqueue(this.#cancels, item)
  }

  /**
   * Gives up at the shutdown deadline: rejects every queued acknowledgement and the ones whose write
   * is in flight (a reply arriving later is ignored), writes nothing more, and resolves `drain()`.
   * Returns the jobs given up on; their leases expire and lease recovery returns them.
   */
  abandon(): AbandonedWrite[] {
    this.#abandoned = true
    if (this.#retryTimer !== null) {
      this.#clock.clearTimeout(this.#retryTimer)
      this.#retryTimer = null
    }
    const given: Array<{ write: AbandonedWrite['write']; entry: Entry<AckBase, unknown> }> = [
      ...this.#inFlight,
      ...this.#completes.map((entry) => ({ write: 'complete' as const, entry })),
      ...this.#fails.map((entry) => ({ write: 'fail' as const, entry })),
      ...this.#releases.map((entry) => ({ write: 'release' as const, entry })),
      ...this.#cancels.map((entry) => ({ write: 'cancel' as const, entry })),
    ]
    this.#inFlight = []
    this.#completes = []
    this.#fails = []
    this.#releases = []
    this.#cancels = []
    const error = new AckAbandonedError()
    for (const { entry } of given) entry.reject(error)
    this.#notifyIdle()
    return given.map(({ write, entry }) => ({ id: entry.item.id, type: entry.item.type, write }))
  }

  /** Writes everything queued now (skipping any retry wait) and resolves when nothing is left. */
  drain(): Promise<void> {
    this.#draining = true
    if (this.#retryTimer !== null) {
      this.#clock.clearTimeout(this.#retryTimer)
      this.#retryTimer = null
    }
    this.#schedule()
    if (this.pendingCount === 0 && !this.#flushing) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  #enqueue<TItem, TResult>(queue: Array<Entry<TItem, TResult>>, item: TItem): Promise<TResult> {
    if (this.#abandoned) return Promise.reject(new AckAbandonedError())
    return new Promise<TResult>((resolve, reject) => {
      queue.push({ item, updates: null, resolve, reject })
      this.#schedule()
    })
  }

  #schedule(): void {
    if (this.#abandoned) return
    if (this.#flushScheduled || this.#flushing || this.#retryTimer !== null) return
    if (this.pendingCount === 0) return
    this.#flushScheduled = true
    setImmediate(() => {
      this.#flushScheduled = false
      void this.#flush()
    })
  }

  async #flush(): Promise<void> {
    this.#flushing = true
    try {
      while (this.pendingCount > 0 && !this.#abandoned) {
        const failed = await this.#writeOneBatch()
        if (this.#abandoned) return
        if (failed === null) {
          this.#consecutiveFailures = 0
          continue
        }
        this.#consecutiveFailures++
        if (this.#draining) {
          if (this.#consecutiveFailures >= ACK_DRAIN_ATTEMPTS) this.#rejectAll(failed)
          continue
        }
        const delayMs = Math.min(ACK_RETRY_MAX_MS, ACK_RETRY_BASE_MS * 2 ** (this.#consecutiveFailures - 1))
        this.#retryTimer = this.#clock.setTimeout(() => {
          this.#retryTimer = null
          this.#schedule()
        }, delayMs)
        return
      }
    } finally {
      this.#flushing = false
      if (this.pendingCount === 0) this.#notifyIdle()
    }
  }

  /**
   * Writes up to `batchSize` of each kind in one `acknowledgeJobs` call, so a mixed batch is one
   * round trip. Returns the error, or null when the write succeeded.
   */
  async #writeOneBatch(): Promise<Error | null> {
    const completes = this.#completes.splice(0, this.#batchSize)
    const fails = this.#fails.splice(0, this.#batchSize)
    const releases = this.#releases.splice(0, this.#batchSize)
    const cancels = this.#cancels.splice(0, this.#batchSize)
    this.#inFlight = [
      ...completes.map((entry) => ({ write: 'complete' as const, entry })),
      ...fails.map((entry) => ({ write: 'fail' as const, entry })),
      ...releases.map((entry) => ({ write: 'release' as const, entry })),
      ...cancels.map((entry) => ({ write: 'cancel' as const, entry })),
    ]
    let result: AcknowledgeResult
    try {
      result = await this.#backend.acknowledgeJobs({
        complete: completes.map((entry) => ({
          ...leaseOf(entry),
          ...updatesOf(entry),
          result: entry.item.result,
        })),
        fail: fails.map((entry) => ({
          ...leaseOf(entry),
          ...updatesOf(entry),
          ...dedupeOf(entry.item),
          error: entry.item.error,
          retryAt: entry.item.retryAt,
        })),
        release: releases.map((entry) => ({
          ...leaseOf(entry),
          ...updatesOf(entry),
          ...dedupeOf(entry.item),
          ...(entry.item.runAt === undefined ? {} : { runAt: entry.item.runAt }),
        })),
        // Left out when empty, so a backend written before cancels existed still gets its batches.
        ...(cancels.length > 0
          ? {
              cancel: cancels.map((entry) => ({
                ...leaseOf(entry),
                ...updatesOf(entry),
                error: entry.item.error,
              })),
            }
          : {}),
        now: this.#clock.now(),
      })
    } catch (thrown) {
      // Given up at the shutdown deadline: the waiters were rejected, and the reply changes nothing.
      if (this.#abandoned) return null
      this.#inFlight = []
      const error = normalizeError(thrown)
      this.#onError(error, 'acknowledgeJobs')
      this.#completes.unshift(...completes)
      this.#fails.unshift(...fails)
      this.#releases.unshift(...releases)
      this.#cancels.unshift(...cancels)
      return error
    }
    if (this.#abandoned) return null
    this.#inFlight = []
    for (const entry of completes) entry.resolve(ackResultOf(result.complete, entry.item.id))
    for (const entry of fails) settle(entry, failResultOf(result.fail, entry.item.id))
    for (const entry of releases) settle(entry, releaseResultOf(result.release, entry.item.id))
    for (const entry of cancels) entry.resolve(ackResultOf(result.cancel, entry.item.id))
    return null
  }

  #rejectAll(error: Error): void {
    const entries = [...this.#completes, ...this.#fails, ...this.#releases, ...this.#cancels]
    this.#completes = []
    this.#fails = []
    this.#releases = []
    this.#cancels = []
    for (const entry of entries) entry.reject(error)
  }

  #notifyIdle(): void {
    const waiters = this.#idleWaiters
    this.#idleWaiters = []
    for (const waiter of waiters) waiter()
  }
}

/** Resolves an entry; a refused write stored nothing, so its progress and logs go back to the attempt. */
function settle<TResult extends string>(entry: Entry<AckBase, TResult>, result: TResult): void {
  if (result === 'cancelRequested' && entry.updates !== null) entry.item.restoreUpdates?.(entry.updates)
  entry.resolve(result)
}

function leaseOf(entry: Entry<AckBase, unknown>): LeaseRef {
  return { id: entry.item.id, leaseToken: entry.item.leaseToken }
}

/** Takes the updates on the first write and reuses them on retries, so no log line is written twice. */
function updatesOf(entry: Entry<AckBase, unknown>): JobUpdates {
  entry.updates ??= entry.item.takeUpdates()
  return entry.updates
}

function dedupeOf(item: DedupeRef): DedupeRef {
  return { dedupeKey: item.dedupeKey, dedupeScope: item.dedupeScope }
}

function ackResultOf(result: AckResult | undefined, id: string): 'applied' | 'lost' {
  return result?.applied.includes(id) ? 'applied' : 'lost'
}

function releaseResultOf(result: ReleaseResult, id: string): ReleaseAckResult {
  if (result.applied.includes(id)) return 'applied'
  if (result.cancelRequested?.includes(id)) return 'cancelRequested'
  return 'lost'
}

function failResultOf(result: FailResult, id: string): FailAckResult {
  if (result.retried.includes(id)) return 'retried'
  if (result.failed.includes(id)) return 'failed'
  if (result.cancelRequested?.includes(id)) return 'cancelRequested'
  return 'lost'
}
