import { normalizeError } from '../errors/normalize-error.js'
import type { JobQueueEventName, JobQueueEvents, JobQueueListener } from '../events.js'
import { validateEventListener, validateEventName } from '../validation/validate-event-listener.js'

type AnyListener = (payload: never) => void

/**
 * A small typed emitter over the {@link JobQueueEvents} map. Listeners run synchronously in the
 * order they were added. A listener that throws (or returns a promise that rejects) is reported as
 * `queue:error` with operation `listener:<event>` and never reaches the code that emitted: job
 * processing must not depend on a metrics exporter being healthy. A `queue:error` listener that
 * throws is swallowed, since reporting it would loop. `on`, `once` and `off` throw a TypeError for
 * an unknown event name (with the closest names) and for a listener that is not a function.
 */
export class TypedEventEmitter {
  readonly #listeners = new Map<JobQueueEventName, AnyListener[]>()

  on<E extends JobQueueEventName>(event: E, listener: JobQueueListener<E>): this {
    validateEventListener('queue.on', event, listener)
    const listeners = this.#listeners.get(event) ?? []
    listeners.push(listener as AnyListener)
    this.#listeners.set(event, listeners)
    return this
  }

  off<E extends JobQueueEventName>(event: E, listener: JobQueueListener<E>): this {
    validateEventListener('queue.off', event, listener)
    const listeners = this.#listeners.get(event)
    if (!listeners) return this
    const index = listeners.findIndex(
      (candidate) => candidate === listener || (candidate as OnceWrapper).original === listener,
    )
    if (index !== -1) listeners.splice(index, 1)
    return this
  }

  once<E extends JobQueueEventName>(event: E, listener: JobQueueListener<E>): this {
    validateEventListener('queue.once', event, listener)
    const wrapper: OnceWrapper = (payload: JobQueueEvents[E]) => {
      this.off(event, wrapper as JobQueueListener<E>)
      return listener(payload)
    }
    wrapper.original = listener as AnyListener
    return this.on(event, wrapper as JobQueueListener<E>)
  }

  listenerCount(event: JobQueueEventName): number {
    validateEventName('queue.listenerCount', event)
    return this.#listeners.get(event)?.length ?? 0
  }

  emit<E extends JobQueueEventName>(event: E, payload: JobQueueEvents[E]): void {
    const listeners = this.#listeners.get(event)
    if (!listeners || listeners.length === 0) return
    // A copy: a listener that removes itself (once) must not make the loop skip the next one.
    for (const listener of [...listeners]) {
      try {
        const returned = (listener as (payload: JobQueueEvents[E]) => unknown)(payload)
        if (isPromiseLike(returned)) {
          returned.then(undefined, (error: unknown) => this.#reportListenerError(event, error))
        }
      } catch (error) {
        this.#reportListenerError(event, error)
      }
    }
  }

  #reportListenerError(event: JobQueueEventName, error: unknown): void {
    if (event === 'queue:error') return
    this.emit('queue:error', { error: normalizeError(error), operation: `listener:${event}` })
  }
}

type OnceWrapper = ((payload: never) => unknown) & { original?: AnyListener }

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  )
}
