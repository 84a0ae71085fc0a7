import type { Backend, ClaimTypeLimit, PushWake } from '../backend.js'
import type { Clock, ClockTimer } from '../clock.js'
import { normalizeError } from '../errors/normalize-error.js'
import type { Job } from '../job.js'
import { hasAnyLimit, hasConcurrencyLimit, hasRateLimit, type TypeLimits } from '../type-limits.js'

/** After a failed claim: 100 ms doubling to 30 s, so an outage is neither hammered nor waited out long. */
export const CLAIM_RETRY_BASE_MS = 100
export const CLAIM_RETRY_MAX_MS = 30_000
/**
 * Future wake times remembered at once. Past this, the latest are dropped: the poll still finds
 * those jobs, only later.
 */
export const MAX_PENDING_WAKES = 1_000
/**
 * The longest delay Node's timers hold (2^31 - 1 ms, about 24.8 days); a longer one fires at once.
 * A wake further away is waited for in steps.
 */
export const MAX_TIMER_DELAY_MS = 2_147_483_647

/** What the fetcher needs to know about one registered type. */
export interface FetcherType {
  type: string
  concurrency: number
  leaseMs: number
}

export interface FetcherParams {
  backend: Backend
  clock: Clock
  workerId: string
  instanceConcurrency: number
  /** The queue's record of slots in use (see SlotPool): claims are planned from it. */
  slots: { inUse(type?: string): number }
  /** The registered types, read at every claim (processors may be added while running). */
  types(): readonly FetcherType[]
  /** The current poll interval (it depends on push health and on the processors). */
  pollIntervalMs(): number
  /** Starts a claimed job: it takes its slot in `slots` before this returns. */
  startJob(job: Job): void
  /** Jobs a claim returned after `stop()` began; they must be given back. */
  returnUnstarted(jobs: Job[]): void
  onError(error: Error, operation: string): void
  /**
   * The fleet-wide limits of a type (validated), read at every claim and passed to the backend in
   * `ClaimTypeLimit.limits`; null for none. @defaultValue no limits for any type
   */
  limitsFor?(type: string): TypeLimits | null
}

/**
 * The one claim loop of a JobQueue. It claims in batches sized to the free slots across all
 * types and hands jobs out locally; never more than one claim is in flight.
 *
 * When to claim: after a claim that filled a type's free slots (the type is "saturated"), a freed
 * slot of that type asks for another claim, coalesced with other frees of the same tick through
 * `setImmediate`. After a short claim the fetcher asks the backend when the next delayed job of
 * its types falls due and idles until woken: a push wake, a timer for the earliest due time it
 * learned (from that answer or from push), or the poll interval. A failed claim is retried with capped exponential backoff,
 * during which wakes and frees are ignored (the retry claims for them).
 *
 * Fleet-wide limits (`limitsFor`) never make it spin: a job a rate limit held back has its `runAt`
 * moved to when the limit allows, so the next-due read arms the timer for it; a type a
 * concurrency limit held back claims again when one of its acknowledgements is written here
 * (`slotReleased`), and otherwise at the poll.
 */
export class Fetcher {
  readonly #params: FetcherParams
  /** Types whose last claim returned as many jobs as asked (or that had no free slot): more may be waiting. */
  readonly #saturated = new Set<string>()
  /**
   * Types with a fleet-wide concurrency limit whose last claim came back short: their due jobs may
   * be waiting for a slot another attempt holds. An acknowledgement of the type written here (a
   * slot freed fleet-wide) claims again; slots other processes free are found by their own next
   * claim or by the poll.
   */
  readonly #waitingForSlot = new Set<string>()
  #claimInFlight: Promise<void> | null = null
  /** The `nextDueAt` read in flight: at most one, beside the claims, never holding them up. */
  #nextDueInFlight: Promise<void> | null = null
  /** A short claim finished while a read was in flight: read once more after it. */
  #nextDueAgain = false
  /** The earliest claim time a `nextDueAt` read still owes an answer for. */
  #nextDueFrom: Date | null = null
  #claimAgain = false
  #immediateScheduled = false
  #pollTimer: ClockTimer | null = null
  #wakeTimer: ClockTimer | null = null
  /** Due times announced by push and not reached yet, ascending and unique; a timer waits for the first. */
  readonly #wakeTimes: number[] = []
  #retryTimer: ClockTimer | null = null
  #consecutiveFailures = 0
  #stopped = true

  constructor(params: FetcherParams) {
    this.#params = params
  }

  /** The backend calls in flight now (`claimJobs`, `nextDueAt`), for the shutdown report. */
  get waitingOn(): string[] {
    return [
      ...(this.#claimInFlight === null ? [] : ['claimJobs']),
      ...(this.#nextDueInFlight === null ? [] : ['nextDueAt']),
    ]
  }

  start(): void {
    if (!this.#stopped) return
    this.#stopped = false
    this.requestClaim()
  }

  /** Asks for a claim soon. Coalesces: many requests in one tick make one claim. */
  requestClaim(): void {
    if (this.#stopped || this.#retryTimer !== null) return
    if (this.#claimInFlight !== null) {
      this.#claimAgain = true
      return
    }
    if (this.#immediateScheduled) return
    this.#immediateScheduled = true
    setImmediate(() => {
      this.#immediateScheduled = false
      this.#claim()
    })
  }

  /** A new type was registered: it has never been claimed, so treat it as possibly having work. */
  typeAdded(type: string): void {
    this.#saturated.add(type)
    this.requestClaim()
  }

  /** A slot of `type` was freed (the slot pool tells): more of its jobs may be waiting. */
  slotFreed(type: string): void {
    if (this.#saturated.has(type)) this.requestClaim()
  }

  /**
   * An attempt of `type` ended in storage (its acknowledgement was written): the fleet-wide limit
   * slots it held are free now, so a type whose claim was held back by its limits claims again.
   */
  slotReleased(type: string): void {
    if (!this.#waitingForSlot.has(type)) return
    this.#saturated.add(type)
    this.requestClaim()
  }

  /** A push notification: claim now, or set one timer for the earliest wake due later. */
  wake(wake: PushWake): void {
    if (this.#stopped) return
    const types = this.#params.types()
    if (wake.type === undefined) {
      // The backend does not know the type: any of ours may have work.
      for (const entry of types) this.#saturated.add(entry.type)
    } else if (types.some((entry) => entry.type === wake.type)) {
      this.#saturated.add(wake.type)
    } else {
      return
    }
    this.#wakeAt(wake.runAt.getTime())
  }

  /** Claims now when `atMs` has passed, else remembers it and keeps the timer on the earliest time. */
  #wakeAt(atMs: number): void {
    if (atMs <= this.#params.clock.now().getTime()) {
      this.requestClaim()
      return
    }
    // Every announced time is kept, not only the earliest: a job due after an earlier wake must
    // not wait for the poll interval (a minute while push is live).
    const position = this.#wakeTimes.findIndex((timeMs) => timeMs >= atMs)
    if (position !== -1 && this.#wakeTimes[position] === atMs) return
    this.#wakeTimes.splice(position === -1 ? this.#wakeTimes.length : position, 0, atMs)
    if (this.#wakeTimes.length > MAX_PENDING_WAKES) this.#wakeTimes.pop()
    if (this.#wakeTimes[0] === atMs) this.#armWake()
  }

  /** Sets the one wake timer for the earliest remembered time. */
  #armWake(): void {
    this.#clearTimer('wake')
    const atMs = this.#wakeTimes[0]
    if (atMs === undefined || this.#stopped) return
    const delayMs = Math.min(MAX_TIMER_DELAY_MS, Math.max(0, atMs - this.#params.clock.now().getTime()))
    this.#wakeTimer = this.#params.clock.setTimeout(() => {
      this.#wakeTimer = null
      const nowMs = this.#params.clock.now().getTime()
      let reached = false
      while (this.#wakeTimes.length > 0 && this.#wakeTimes[0]! <= nowMs) {
        this.#wakeTimes.shift()
        reached = true
      }
      // A step of a long wait (or a timer that fired early) claims nothing yet.
      if (reached) this.requestClaim()
      this.#armWake()
    }, delayMs)
  }

  /** Re-arms the poll timer, e.g. when push health changed the interval. */
  repoll(): void {
    if (!this.#stopped && this.#claimInFlight === null) this.#armPoll()
  }

  /** Stops claiming. Resolves once a claim in flight has finished (its jobs go to `returnUnstarted`). */
  async stop(): Promise<void> {
    this.#stopped = true
    this.#clearTimer('poll')
    this.#clearTimer('wake')
    this.#wakeTimes.length = 0
    this.#clearTimer('retry')
    this.#nextDueAgain = false
    await Promise.all([this.#claimInFlight, this.#nextDueInFlight])
  }

  #claim(): void {
    if (this.#stopped || this.#claimInFlight !== null) return
    const plan = this.#plan()
    if (plan.limit === 0) {
      // Every slot is busy: a freed slot asks for the next claim.
      this.#armPoll()
      return
    }
    this.#clearTimer('poll')
    this.#claimInFlight = this.#runClaim(plan).finally(() => {
      this.#claimInFlight = null
      if (this.#stopped) return
      if (this.#claimAgain && this.#retryTimer === null) {
        this.#claimAgain = false
        this.requestClaim()
      }
    })
  }

  async #runClaim(plan: { types: ClaimTypeLimit[]; limit: number }): Promise<void> {
    const { backend, clock, workerId } = this.#params
    let jobs: Job[]
    let claimedAt: Date
    try {
      claimedAt = clock.now()
      jobs = await backend.claimJobs({ types: plan.types, limit: plan.limit, workerId, now: claimedAt })
    } catch (error) {
      this.#consecutiveFailures++
      this.#params.onError(normalizeError(error), 'claimJobs')
      if (this.#stopped) return
      const delayMs = Math.min(CLAIM_RETRY_MAX_MS, CLAIM_RETRY_BASE_MS * 2 ** (this.#consecutiveFailures - 1))
      this.#claimAgain = false
      this.#retryTimer = clock.setTimeout(() => {
        this.#retryTimer = null
        this.requestClaim()
      }, delayMs)
      return
    }
    this.#consecutiveFailures = 0
    if (this.#stopped) {
      if (jobs.length > 0) this.#params.returnUnstarted(jobs)
      return
    }
    const claimedByType = new Map<string, number>()
    for (const job of jobs) claimedByType.set(job.type, (claimedByType.get(job.type) ?? 0) + 1)
    const full = jobs.length >= plan.limit
    for (const { type, limit, limits } of plan.types) {
      const filled = full || (claimedByType.get(type) ?? 0) >= limit
      if (filled) this.#saturated.add(type)
      else this.#saturated.delete(type)
      // Short under a concurrency limit: its jobs may wait for a slot, and nothing announces a
      // slot freeing, so our own next acknowledgement of the type claims again (see slotReleased).
      if (!filled && hasConcurrencyLimit(limits)) this.#waitingForSlot.add(type)
      else this.#waitingForSlot.delete(type)
    }
    for (const job of jobs) this.#params.startJob(job)
    // A short claim took every due job: learn when the next delayed one falls due, since no push
    // wake-up may ever announce it (written before the stream opened, or before a restart). Not
    // when every short type only waits for its own running jobs' slots: their acknowledgements
    // claim again, and the claim after the last one reads it.
    if (!full && !this.#onlyWaitingForOwnSlots(plan, claimedByType)) this.#learnNextDue(claimedAt)
    this.#armPoll()
    // Slots may have freed while the claim was in flight: claim for them now.
    if (full && this.#freeSlots() > 0) this.#claimAgain = true
  }

  /**
   * True when every type that came back short has a concurrency limit and no rate limit (a rate
   * limit moves `runAt`, which only the next-due read reports) and still runs jobs here.
   */
  #onlyWaitingForOwnSlots(
    plan: { types: ClaimTypeLimit[] },
    claimedByType: ReadonlyMap<string, number>,
  ): boolean {
    const short = plan.types.filter(({ type, limit }) => (claimedByType.get(type) ?? 0) < limit)
    return short.every(
      ({ type, limits }) =>
        hasConcurrencyLimit(limits) && !hasRateLimit(limits) && this.#params.slots.inUse(type) > 0,
    )
  }

  /**
   * Reads the earliest future due time of our types and arms the wake timer with it. Runs beside
   * the claims (a claim never waits for it); one read at a time, and short claims that finish
   * meanwhile make one more read after it, so no write that preceded a claim is missed.
   */
  #learnNextDue(claimedAt: Date): void {
    if (this.#stopped) return
    // Asked from the claim's own `now`, not the read's: a job that fell due during the claim's
    // round trip was neither claimed nor would be "after now", and would wait for the poll.
    if (this.#nextDueFrom === null || claimedAt.getTime() < this.#nextDueFrom.getTime())
      this.#nextDueFrom = claimedAt
    if (this.#nextDueInFlight !== null) {
      this.#nextDueAgain = true
      return
    }
    const from = this.#nextDueFrom
    this.#nextDueFrom = null
    this.#nextDueInFlight = this.#readNextDue(from).finally(() => {
      this.#nextDueInFlight = null
      if (this.#nextDueAgain && this.#nextDueFrom !== null) {
        this.#nextDueAgain = false
        this.#learnNextDue(this.#nextDueFrom)
      }
    })
  }

  async #readNextDue(from: Date): Promise<void> {
    const { backend } = this.#params
    const types = this.#params.types().map((entry) => entry.type)
    if (types.length === 0) return
    let nextDueAt: Date | null
    try {
      nextDueAt = await backend.nextDueAt({ types, now: from })
    } catch (error) {
      // Not worth a retry: the poll interval still finds the job, only later.
      this.#params.onError(normalizeError(error), 'nextDueAt')
      return
    }
    if (nextDueAt !== null && !this.#stopped) this.#wakeAt(nextDueAt.getTime())
  }

  /** Per-type limits from free slots, capped by the free slots of the whole instance. */
  #plan(): { types: ClaimTypeLimit[]; limit: number } {
    const free = this.#freeSlots()
    const types: ClaimTypeLimit[] = []
    let wanted = 0
    for (const entry of this.#params.types()) {
      const typeFree = entry.concurrency - this.#params.slots.inUse(entry.type)
      if (typeFree <= 0 || free <= 0) {
        // Busy: when one of its slots frees, more of its jobs may be waiting.
        this.#saturated.add(entry.type)
        continue
      }
      const limit = Math.min(typeFree, free)
      let limits: TypeLimits | null
      try {
        limits = this.#params.limitsFor?.(entry.type) ?? null
      } catch (error) {
        // Claiming the type without its limits could break them: leave it until they read well.
        this.#params.onError(normalizeError(error), 'limitsFor')
        continue
      }
      // Only a limited type carries `limits`: the claim of the others is exactly what it was.
      types.push(
        hasAnyLimit(limits)
          ? { type: entry.type, limit, leaseMs: entry.leaseMs, limits }
          : { type: entry.type, limit, leaseMs: entry.leaseMs },
      )
      wanted += limit
    }
    return { types, limit: Math.min(wanted, free) }
  }

  #freeSlots(): number {
    return Math.max(0, this.#params.instanceConcurrency - this.#params.slots.inUse())
  }

  #armPoll(): void {
    this.#clearTimer('poll')
    if (this.#stopped) return
    this.#pollTimer = this.#params.clock.setTimeout(() => {
      this.#pollTimer = null
      // A poll is a reminder that anything may have arrived.
      for (const entry of this.#params.types()) this.#saturated.add(entry.type)
      this.requestClaim()
    }, this.#params.pollIntervalMs())
  }

  #clearTimer(which: 'poll' | 'wake' | 'retry'): void {
    const { clock } = this.#params
    if (which === 'poll' && this.#pollTimer !== null) {
      clock.clearTimeout(this.#pollTimer)
      this.#pollTimer = null
    } else if (which === 'wake' && this.#wakeTimer !== null) {
      clock.clearTimeout(this.#wakeTimer)
      this.#wakeTimer = null
    } else if (which === 'retry' && this.#retryTimer !== null) {
      clock.clearTimeout(this.#retryTimer)
      this.#retryTimer = null
    }
  }
}
