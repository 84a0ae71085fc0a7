import { ALL_TYPES, type ControlChange, type ControlStore, type TypeControl } from '../../backend.js'
import type { Clock, ClockTimer } from '../../clock.js'
import { normalizeError } from '../../errors/normalize-error.js'
import type { TypedEventEmitter } from '../event-emitter.js'

export interface ControlsCacheParams {
  store: ControlStore
  clock: Clock
  events: TypedEventEmitter
  /** How long to wait between reads while running: the queue's poll interval for its push health. */
  pollIntervalMs(): number
  /** Called after this queue's view changed (a type paused or resumed, or the first read landed). */
  onChange(): void
}

/**
 * This queue's view of the fleet's type controls (pause and resume per job type), so the fetcher
 * can skip paused types without a backend call: a type with no control costs one map lookup per
 * claim. `start()` reads every control (one read) and then reads them again at every poll
 * interval; push (`changed()`) and this queue's own writes (`apply()`) update it in between.
 *
 * Until the first read has landed, every type is held (`holds()` is true), so a queue that starts
 * while a type is paused never claims it; a failed read is reported as `queue:error`
 * (`controls.read`) and tried again at the next interval. Each change of a control's `paused` is
 * emitted as `queue:paused` or `queue:resumed`.
 */
export class ControlsCache {
  readonly #params: ControlsCacheParams
  #controls = new Map<string, TypeControl>()
  /** Controls applied while a read is in flight: kept over that read's older answer. */
  #appliedDuringRead = new Map<string, TypeControl>()
  #loaded = false
  #running = false
  #timer: ClockTimer | null = null
  #read: Promise<void> | null = null
  #readAgain = false

  constructor(params: ControlsCacheParams) {
    this.#params = params
  }

  /** True once a read of every control has landed. */
  get loaded(): boolean {
    return this.#loaded
  }

  /** Whether the fetcher must not claim `type`: it (or every type, `'*'`) is paused, or nothing was read yet. */
  holds(type: string): boolean {
    if (!this.#loaded) return true
    return this.#controls.get(ALL_TYPES)?.paused === true || this.#controls.get(type)?.paused === true
  }

  /** The control of `type` as this queue last saw it (`'*'` for every type), or undefined. */
  get(type: string): TypeControl | undefined {
    const control = this.#controls.get(type)
    return control === undefined ? undefined : structuredClone(control)
  }

  /** Copies of the controls as this queue last saw them, sorted by type. */
  snapshot(): TypeControl[] {
    return [...this.#controls.values()]
      .map((control) => structuredClone(control))
      .sort((first, second) => (first.type < second.type ? -1 : first.type > second.type ? 1 : 0))
  }

  /** Reads every control, then again at every poll interval until `stop()`. Resolves after the first read. */
  start(): Promise<void> {
    if (this.#running) return this.#read ?? Promise.resolve()
    this.#running = true
    return this.reload()
  }

  async stop(): Promise<void> {
    this.#running = false
    if (this.#timer !== null) this.#params.clock.clearTimeout(this.#timer)
    this.#timer = null
    this.#readAgain = false
    await this.#read
  }

  /** Reads every control again (coalesced: one read in flight, and one more after it if asked meanwhile). */
  reload(): Promise<void> {
    if (this.#read !== null) {
      this.#readAgain = true
      return this.#read
    }
    this.#read = this.#readAll().finally(() => {
      this.#read = null
      if (this.#readAgain && this.#running) {
        this.#readAgain = false
        void this.reload()
      } else this.#arm()
    })
    return this.#read
  }

  /** Takes a control this queue just wrote (or one a push event carried whole), newer revisions only. */
  apply(control: TypeControl): void {
    const known = this.#controls.get(control.type)
    if (known !== undefined && known.rev >= control.rev) return
    const copy = structuredClone(control)
    if (this.#read !== null) this.#appliedDuringRead.set(copy.type, copy)
    const next = new Map(this.#controls)
    next.set(copy.type, copy)
    this.#replace(next)
  }

  /**
   * A push event: a control changed somewhere. A change that says whether the type is paused, at a
   * newer revision, applies at once; every change is followed by a read (controls are few), which
   * brings the fields an event does not carry.
   */
  changed(change: ControlChange): void {
    const known = this.#controls.get(change.type)
    if (change.paused !== undefined && change.rev !== undefined && (known?.rev ?? 0) < change.rev) {
      this.apply({
        type: change.type,
        paused: change.paused,
        limits: known?.limits ?? null,
        rev: change.rev,
        updatedAt: known?.updatedAt ?? this.#params.clock.now(),
      })
    }
    if (this.#running) void this.reload()
  }

  async #readAll(): Promise<void> {
    this.#appliedDuringRead = new Map()
    let controls: TypeControl[]
    try {
      controls = await this.#params.store.listTypeControls({})
    } catch (error) {
      this.#params.events.emit('queue:error', { error: normalizeError(error), operation: 'controls.read' })
      return
    }
    const next = new Map(controls.map((control) => [control.type, control]))
    // A write this queue made after the read began (or a push about one) is newer than the read.
    for (const [type, applied] of this.#appliedDuringRead) {
      if ((next.get(type)?.rev ?? 0) < applied.rev) next.set(type, applied)
    }
    this.#appliedDuringRead = new Map()
    const firstRead = !this.#loaded
    this.#loaded = true
    this.#replace(next, firstRead)
  }

  #replace(next: Map<string, TypeControl>, forceNotify = false): void {
    const previous = this.#controls
    this.#controls = next
    let changed = forceNotify
    for (const type of new Set([...previous.keys(), ...next.keys()])) {
      const was = previous.get(type)?.paused === true
      const now = next.get(type)?.paused === true
      if (was === now) continue
      changed = true
      this.#params.events.emit(now ? 'queue:paused' : 'queue:resumed', { type })
    }
    if (changed) this.#params.onChange()
  }

  #arm(): void {
    if (!this.#running) return
    if (this.#timer !== null) this.#params.clock.clearTimeout(this.#timer)
    this.#timer = this.#params.clock.setTimeout(() => {
      this.#timer = null
      void this.reload()
    }, this.#params.pollIntervalMs())
  }
}
