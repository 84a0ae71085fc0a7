import {
  type ControlChange,
  type PushSubscription,
  type PushWake,
  type ScheduleChange,
  type SubscribeParams,
  ValidationError,
} from '@durabl/core'

/**
 * The subscribers of a MemoryBackend. Wakes are delivered in a microtask after the write, so a
 * subscriber never runs inside the backend call that woke it.
 */
export class PushHub {
  private readonly subscriptions = new Set<SubscribeParams>()

  /** Reports `connected` at once (there is no stream to break). */
  subscribe(params: SubscribeParams): PushSubscription {
    if (typeof params.onWake !== 'function') {
      throw new ValidationError('subscribe.onWake', 'must be a function', params.onWake)
    }
    const subscription = { ...params, types: [...params.types] }
    this.subscriptions.add(subscription)
    params.onStatus({ state: 'connected' })
    return {
      close: async () => {
        this.subscriptions.delete(subscription)
      },
    }
  }

  /** Delivers each wake to the subscribers of its type (all types when a subscriber listed none). */
  wake(wakes: PushWake[]): void {
    if (wakes.length === 0 || this.subscriptions.size === 0) return
    const subscriptions = [...this.subscriptions]
    queueMicrotask(() => {
      for (const subscription of subscriptions) {
        if (!this.subscriptions.has(subscription)) continue
        for (const wake of wakes) {
          const wanted =
            subscription.types.length === 0 ||
            wake.type === undefined ||
            subscription.types.includes(wake.type)
          if (!wanted) continue
          try {
            subscription.onWake({ ...wake, runAt: new Date(wake.runAt) })
          } catch {
            // A subscriber's error is its own; it must not break the write that woke it.
          }
        }
      }
    })
  }

  /** Tells every subscriber that asked for schedule changes, in a microtask after the write. */
  scheduleChanged(change: ScheduleChange): void {
    const subscriptions = [...this.subscriptions].filter((s) => typeof s.onScheduleChange === 'function')
    if (subscriptions.length === 0) return
    queueMicrotask(() => {
      for (const subscription of subscriptions) {
        if (!this.subscriptions.has(subscription)) continue
        try {
          subscription.onScheduleChange?.({
            ...change,
            ...(change.nextRunAt instanceof Date ? { nextRunAt: new Date(change.nextRunAt) } : {}),
          })
        } catch {
          // A subscriber's error is its own.
        }
      }
    })
  }

  /** Tells every subscriber that asked for control changes, in a microtask after the write. */
  controlChanged(change: ControlChange): void {
    this.deliver((subscription) => subscription.onControlChange?.({ ...change }))
  }

  /** Tells every subscriber that asked, in a microtask, of active jobs whose cancel was requested. */
  cancelRequested(ids: string[]): void {
    if (ids.length > 0) this.deliver((subscription) => subscription.onCancelRequested?.([...ids]))
  }

  /** Calls `notify` for each subscriber in a microtask after the write; a subscriber's throw is its own. */
  private deliver(notify: (subscription: SubscribeParams) => void): void {
    if (this.subscriptions.size === 0) return
    const subscriptions = [...this.subscriptions]
    queueMicrotask(() => {
      for (const subscription of subscriptions) {
        if (!this.subscriptions.has(subscription)) continue
        try {
          notify(subscription)
        } catch {
          // A subscriber's error is its own.
        }
      }
    })
  }

  closeAll(): void {
    this.subscriptions.clear()
  }
}
