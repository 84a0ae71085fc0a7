import type { Backend, ControlChange, PushStatus, PushSubscription, PushWake } from '../backend.js'
import { normalizeError } from '../errors/normalize-error.js'
import type { TypedEventEmitter } from './event-emitter.js'

export interface PushSubscriberParams {
  backend: Backend
  events: TypedEventEmitter
  onWake(wake: PushWake): void
  /** A type control changed (only asked for when the backend stores them). */
  onControlChange?(change: ControlChange): void
  /** The cancel of these jobs was requested (any of them may run here). */
  onCancelRequested?(ids: string[]): void
  /** Push health changed: true while notifications are live. `catchUp` asks for a claim now. */
  onHealth(live: boolean, catchUp: boolean): void
}

/**
 * Holds the backend's push subscription (when `capabilities.push`) and turns its status reports
 * into events: `push:connected` and `push:reconnected` (each followed by a catch-up claim) and
 * `push:fallback` (once per fallback; the queue then polls at the non-push interval).
 */
export class PushSubscriber {
  readonly #params: PushSubscriberParams
  #subscription: PushSubscription | null = null
  /** Serialises open and close, so a type added during startup cannot open two streams. */
  #chain: Promise<void> = Promise.resolve()
  #inFallback = false
  #closed = false

  constructor(params: PushSubscriberParams) {
    this.#params = params
  }

  get supported(): boolean {
    return this.#params.backend.capabilities.push && typeof this.#params.backend.subscribe === 'function'
  }

  /** Opens the subscription for `types`, replacing any open one (the backend may filter on types). */
  subscribe(types: string[]): Promise<void> {
    if (!this.supported) return Promise.resolve()
    this.#chain = this.#chain.then(async () => {
      if (this.#closed) return
      await this.#closeCurrent()
      const { onControlChange, onCancelRequested } = this.#params
      try {
        this.#subscription =
          (await this.#params.backend.subscribe?.({
            types,
            onWake: (wake) => {
              if (!this.#closed) this.#params.onWake(wake)
            },
            onStatus: (status) => {
              if (!this.#closed) this.#status(status)
            },
            ...(onControlChange === undefined
              ? {}
              : {
                  onControlChange: (change: ControlChange) => {
                    if (!this.#closed) onControlChange(change)
                  },
                }),
            ...(onCancelRequested === undefined
              ? {}
              : {
                  onCancelRequested: (ids: string[]) => {
                    if (!this.#closed) onCancelRequested(ids)
                  },
                }),
          })) ?? null
      } catch (error) {
        this.#params.events.emit('queue:error', { error: normalizeError(error), operation: 'subscribe' })
        this.#status({ state: 'fallback', reason: `subscribe failed: ${normalizeError(error).message}` })
      }
    })
    return this.#chain
  }

  close(): Promise<void> {
    this.#closed = true
    this.#chain = this.#chain.then(() => this.#closeCurrent())
    return this.#chain
  }

  async #closeCurrent(): Promise<void> {
    const subscription = this.#subscription
    this.#subscription = null
    if (!subscription) return
    try {
      await subscription.close()
    } catch (error) {
      this.#params.events.emit('queue:error', {
        error: normalizeError(error),
        operation: 'subscription.close',
      })
    }
  }

  #status(status: PushStatus): void {
    const { events, onHealth } = this.#params
    switch (status.state) {
      case 'connected':
        this.#inFallback = false
        events.emit('push:connected', {})
        // Jobs written between the last claim and the stream opening were announced to nobody.
        onHealth(true, true)
        return
      case 'reconnected':
        this.#inFallback = false
        events.emit('push:reconnected', {})
        onHealth(true, true)
        return
      case 'fallback':
        if (!this.#inFallback) {
          this.#inFallback = true
          events.emit('push:fallback', { reason: status.reason })
        }
        onHealth(false, false)
        return
    }
  }
}
