import type { Backend, PushStatus, PushSubscription, ScheduleChange, ScheduleStore } from '../../backend.js'
import type { Clock, ClockTimer } from '../../clock.js'
import { normalizeError } from '../../errors/normalize-error.js'
import type { Schedule } from '../../schedule.js'
import type { TypedEventEmitter } from '../event-emitter.js'
import { buildOccurrenceJobs } from './occurrence-jobs.js'
import { planFire } from './plan-fire.js'

/** The first retry of a schedule whose fire failed; doubled per failure in a row, up to {@link MAX_RETRY_MS}. */
const RETRY_MS = 1_000
const MAX_RETRY_MS = 30_000

export interface SchedulerParams {
  backend: Backend
  store: ScheduleStore
  clock: Clock
  events: TypedEventEmitter
  workerId: string
  /** How long past an occurrence a process that does not own the schedule waits before taking over. */
  takeoverMs: number
  /** How often every schedule is read again (the safety net for missed change events). */
  scanIntervalMs: number
}

interface CachedSchedule {
  schedule: Schedule
  /** A change event said the definition changed: read it again before firing. */
  stale: boolean
}

/**
 * Runs stored schedules in this process: one timer for the earliest due schedule, no leader.
 *
 * Every started queue takes part. The process that advanced a schedule last (its `owner`) fires
 * its next occurrence on time; the others stand by and take over `takeoverMs` later if it has not
 * (it died, stalled or shut down), reading the schedule first. Exactly-once does not depend on
 * this: the occurrence key's unique constraint and the compare-and-set in `fireSchedule` hold
 * whoever fires. Owners only keep the common case to one insert and one update per occurrence.
 *
 * Schedules are kept in memory, updated by change events (no round trip) and read again in full
 * every `scanIntervalMs`. Without push, only owners fire on time and takeovers happen at the scan.
 */
export class Scheduler {
  readonly #params: SchedulerParams
  readonly #cache = new Map<string, CachedSchedule>()
  #timer: ClockTimer | null = null
  #scanTimer: ClockTimer | null = null
  #subscription: PushSubscription | null = null
  #pushLive = false
  #subscribed = false
  /** Schedules whose last fire failed: tried again at `at` (1 s, doubled per failure, up to 30 s). */
  readonly #retries = new Map<string, { failures: number; at: number }>()
  #stopped = true
  #pass: Promise<void> = Promise.resolve()
  #passQueued = false
  #rescan = true

  constructor(params: SchedulerParams) {
    this.#params = params
  }

  /** The schedules as this process last saw them (copies), for metrics and admin output. */
  snapshot(): Schedule[] {
    return [...this.#cache.values()].map((entry) => structuredClone(entry.schedule))
  }

  async start(): Promise<void> {
    if (!this.#stopped) return
    this.#stopped = false
    this.#schedulePass()
    await this.#pass
  }

  /**
   * Subscribes to schedule changes once there is a schedule to run: with none, a queue pays only
   * for the periodic scan (a producer-only process opens no stream for schedules it does not have).
   */
  async #subscribe(): Promise<void> {
    const { backend } = this.#params
    if (this.#subscribed || !backend.capabilities.push || typeof backend.subscribe !== 'function') return
    this.#subscribed = true
    try {
      this.#subscription = await backend.subscribe({
        types: [],
        onWake: () => undefined,
        onStatus: (status) => this.#onStatus(status),
        onScheduleChange: (change) => this.#onChange(change),
      })
      if (this.#stopped) await this.#closeSubscription()
    } catch (error) {
      this.#subscribed = false
      this.#error(error, 'schedules.subscribe')
    }
  }

  async #closeSubscription(): Promise<void> {
    const subscription = this.#subscription
    this.#subscription = null
    await subscription?.close().catch((error: unknown) => this.#error(error, 'schedules.unsubscribe'))
  }

  async stop(): Promise<void> {
    this.#stopped = true
    this.#clearTimer()
    if (this.#scanTimer !== null) this.#params.clock.clearTimeout(this.#scanTimer)
    this.#scanTimer = null
    await this.#pass
    await this.#giveUpOwnership()
    await this.#closeSubscription()
  }

  /**
   * A stopping queue gives up the schedules it owns (one guarded write each), so the standbys,
   * told by the change stream, fire their next occurrences on time instead of `takeoverMs` late
   * (a rolling deploy stops every owner in turn). A write that fails or finds the schedule changed
   * leaves it owned: the standbys then take over as after a crash.
   */
  async #giveUpOwnership(): Promise<void> {
    const { store, workerId, clock } = this.#params
    const owned = [...this.#cache.values()]
      .map((entry) => entry.schedule)
      .filter((schedule) => schedule.owner === workerId && schedule.nextRunAt !== null)
    await Promise.all(
      owned.map((schedule) =>
        store
          .patchSchedule({
            id: schedule.id,
            expectedRev: schedule.rev,
            set: { owner: null },
            now: clock.now(),
          })
          .catch((error: unknown) => this.#error(error, 'schedules.giveUp')),
      ),
    )
  }

  /** Reads every schedule again and fires what is due (after an admin change made through this queue). */
  refresh(): Promise<void> {
    this.#rescan = true
    this.#schedulePass()
    return this.#pass
  }

  /** Takes a schedule this queue just wrote into the cache, so its timer is armed without a read. */
  remember(schedule: Schedule | null, id: string): void {
    if (schedule === null) this.#cache.delete(id)
    else this.#cache.set(id, { schedule, stale: false })
    if (this.#cache.size > 0 && !this.#subscribed && !this.#stopped) void this.#subscribe()
    this.#schedulePass()
  }

  #onStatus(status: PushStatus): void {
    this.#pushLive = status.state !== 'fallback'
    // Changes made before the stream opened, or while it was down, were announced to nobody.
    if (status.state !== 'fallback') this.#rescan = true
    this.#schedulePass()
  }

  #onChange(change: ScheduleChange): void {
    if (change.deleted) {
      this.#cache.delete(change.id)
    } else {
      const entry = this.#cache.get(change.id)
      if (entry === undefined || change.definitionChanged) {
        if (entry === undefined) this.#rescan = true
        else entry.stale = true
      }
      if (entry !== undefined) {
        const { schedule } = entry
        if (change.rev !== undefined && change.rev < schedule.rev) return // an older event
        if (change.nextRunAt !== undefined) schedule.nextRunAt = change.nextRunAt
        if (change.rev !== undefined) schedule.rev = change.rev
        if (change.owner !== undefined) schedule.owner = change.owner
        if (change.paused !== undefined) schedule.paused = change.paused
      }
    }
    this.#schedulePass()
  }

  /** Runs one pass after the current one; passes never overlap. */
  #schedulePass(): void {
    if (this.#stopped || this.#passQueued) return
    this.#passQueued = true
    this.#pass = this.#pass.then(async () => {
      this.#passQueued = false
      if (this.#stopped) return
      try {
        await this.#runPass()
      } catch (error) {
        this.#error(error, 'schedules.pass')
      }
      this.#arm()
    })
  }

  /** One pass: reads what needs reading and fires what is due. */
  async #runPass(): Promise<void> {
    const { store, clock } = this.#params
    if (this.#rescan) {
      try {
        const schedules = await store.listSchedules({})
        this.#rescan = false
        this.#cache.clear()
        for (const schedule of schedules) this.#cache.set(schedule.id, { schedule, stale: false })
        if (this.#cache.size > 0) await this.#subscribe()
      } finally {
        // Also after a failed read: the next scan tries again.
        this.#armScan()
      }
    }
    for (const id of [...this.#cache.keys()]) {
      if (this.#stopped) return
      const entry = this.#cache.get(id)
      if (entry === undefined) continue
      const now = clock.now()
      if (this.#fireAt(entry.schedule) > now.getTime()) continue
      try {
        await this.#fire(entry, now)
        this.#retries.delete(id)
      } catch (error) {
        // One schedule's failure (the database down, a refused write) holds up no other, and it is
        // tried again after a backoff, not at once (no spin while the database is down).
        const failures = (this.#retries.get(id)?.failures ?? 0) + 1
        const delayMs = Math.min(MAX_RETRY_MS, RETRY_MS * 2 ** (failures - 1))
        this.#retries.set(id, { failures, at: clock.now().getTime() + delayMs })
        this.#error(error, 'schedules.fire')
      }
    }
  }

  async #fire(entry: CachedSchedule, now: Date): Promise<void> {
    const { store, workerId, clock } = this.#params
    let schedule = entry.schedule
    const mine = schedule.owner === null || schedule.owner === workerId
    // An owner this late may have stalled while another process took over (and retention may have
    // deleted that occurrence's finished job since): read first, as on a takeover.
    const late =
      schedule.nextRunAt !== null &&
      now.getTime() >= schedule.nextRunAt.getTime() + this.#params.takeoverMs / 2
    if (entry.stale || !mine || late) {
      // A takeover (or a changed definition): act only on what is stored now.
      const fresh = await store.getSchedule({ id: schedule.id })
      if (fresh === null) {
        this.#cache.delete(schedule.id)
        return
      }
      schedule = fresh
      this.#cache.set(schedule.id, { schedule, stale: false })
      now = clock.now()
      const fireAt = this.#fireAt(schedule)
      if (fireAt > now.getTime()) return
    }
    const plan = planFire(schedule, now)
    if (plan === null || schedule.nextRunAt === null) return
    if (
      schedule.definition.overlap === 'cancel-running' &&
      schedule.lastJobId !== null &&
      plan.runs.length > 0
    ) {
      await this.#params.backend.cancelJobs({ ids: [schedule.lastJobId], now })
    }
    const jobs = buildOccurrenceJobs(schedule, plan.runs)
    const result = await store.fireSchedule({
      id: schedule.id,
      expected: { nextRunAt: schedule.nextRunAt, rev: schedule.rev },
      jobs,
      advance: {
        nextRunAt: plan.nextRunAt,
        // The newest run's occurrence; a pass that only counted misses keeps the previous one.
        lastRunAt: plan.runs[plan.runs.length - 1]?.at ?? schedule.lastRunAt ?? plan.lastHandled,
        missed: plan.missed,
        owner: workerId,
      },
      now,
    })
    if (result.schedule === null) this.#cache.delete(schedule.id)
    else this.#cache.set(schedule.id, { schedule: result.schedule, stale: false })
    this.#report(schedule, plan, jobs, result.jobs, now, result.advanced)
  }

  #report(
    schedule: Schedule,
    plan: NonNullable<ReturnType<typeof planFire>>,
    jobs: ReturnType<typeof buildOccurrenceJobs>,
    outcomes: Awaited<ReturnType<ScheduleStore['fireSchedule']>>['jobs'],
    now: Date,
    advanced: boolean,
  ): void {
    // `enqueued` is reported by whoever wrote the job, advanced or not: the occurrence key lets
    // exactly one process write it, so the fleet reports each occurrence once even when another
    // process's compare-and-set won. Skips and misses are counted by the advance, so only the
    // process that advanced reports them.
    const { events } = this.#params
    outcomes.forEach((outcome, index) => {
      const run = plan.runs[index]
      const job = jobs[index]
      if (run === undefined || job === undefined) return
      if (outcome.outcome === 'overlap') {
        if (advanced) events.emit('schedule:skipped', { scheduleId: schedule.id, occurrence: run.at })
        return
      }
      if (outcome.outcome !== 'enqueued') return
      events.emit('job:enqueued', {
        id: outcome.id,
        type: job.type,
        priority: job.priority,
        runAt: job.runAt,
        dedupeKey: job.dedupeKey,
        metadata: job.metadata,
      })
      events.emit('schedule:enqueued', {
        scheduleId: schedule.id,
        occurrence: run.at,
        jobId: outcome.id,
        lagMs: Math.max(0, now.getTime() - run.at.getTime()),
        caughtUp: run.caughtUp,
      })
    })
    if (advanced && plan.missed > 0 && plan.firstMissed !== null && plan.lastMissed !== null) {
      events.emit('schedule:missed', {
        scheduleId: schedule.id,
        count: plan.missed,
        first: plan.firstMissed,
        last: plan.lastMissed,
      })
    }
  }

  /** When this process should fire the schedule (ms since epoch); Infinity for never. */
  #fireAt(schedule: Schedule): number {
    return Math.max(this.#dueAt(schedule), this.#retries.get(schedule.id)?.at ?? 0)
  }

  #dueAt(schedule: Schedule): number {
    if (schedule.paused || schedule.nextRunAt === null) return Number.POSITIVE_INFINITY
    const due = schedule.nextRunAt.getTime()
    if (schedule.owner === null || schedule.owner === this.#params.workerId) return due
    // Someone else owns it. With push, a silent owner is noticed at the takeover time; without,
    // at the next full scan (the scan re-arms this with the stored state).
    return this.#pushLive ? due + this.#params.takeoverMs : this.#scanTakeoverAt(due)
  }

  #scanTakeoverAt(due: number): number {
    return due + Math.max(this.#params.takeoverMs, this.#params.scanIntervalMs)
  }

  #arm(): void {
    this.#clearTimer()
    if (this.#stopped) return
    let earliest = Number.POSITIVE_INFINITY
    for (const entry of this.#cache.values()) earliest = Math.min(earliest, this.#fireAt(entry.schedule))
    if (!Number.isFinite(earliest)) return
    const { clock } = this.#params
    const delayMs = Math.min(Math.max(0, earliest - clock.now().getTime()), 2_147_483_647)
    this.#timer = clock.setTimeout(() => {
      this.#timer = null
      this.#schedulePass()
    }, delayMs)
  }

  #armScan(): void {
    const { clock, scanIntervalMs } = this.#params
    if (this.#scanTimer !== null) clock.clearTimeout(this.#scanTimer)
    this.#scanTimer = clock.setTimeout(() => {
      this.#scanTimer = null
      this.#rescan = true
      this.#schedulePass()
    }, scanIntervalMs)
  }

  #clearTimer(): void {
    if (this.#timer !== null) this.#params.clock.clearTimeout(this.#timer)
    this.#timer = null
  }

  #error(error: unknown, operation: string): void {
    this.#params.events.emit('queue:error', { error: normalizeError(error), operation })
  }
}
