import { type PushStatus, type SubscribeParams, ValidationError } from '@durabl/core'
import type { Document } from 'mongodb'
import { cancelRequestFromEvent } from './cancel-request.js'
import { controlChangeFromEvent } from './control-change.js'
import { scheduleChangeFromEvent } from './schedule-change.js'
import { type StreamCollections, streamEventKind } from './stream-pipeline.js'
import { wakeFromChange } from './wake-pipeline.js'

/** One `subscribe()` call sharing the stream. */
export interface Subscriber {
  types: Set<string>
  onWake: SubscribeParams['onWake']
  onStatus: SubscribeParams['onStatus']
  onScheduleChange: SubscribeParams['onScheduleChange']
  onControlChange: SubscribeParams['onControlChange']
  onCancelRequested: SubscribeParams['onCancelRequested']
  fallbackReported: boolean
}

/** Checks the params of `subscribe()` and makes the subscriber. */
export function toSubscriber(params: SubscribeParams): Subscriber {
  if (typeof params !== 'object' || params === null)
    throw new ValidationError('params', 'must be an object', params)
  if (!Array.isArray(params.types))
    throw new ValidationError('types', 'must be an array of job types', params.types)
  params.types.forEach((type, index) => {
    if (typeof type !== 'string') throw new ValidationError(`types[${index}]`, 'must be a string', type)
  })
  if (typeof params.onWake !== 'function')
    throw new ValidationError('onWake', 'must be a function', params.onWake)
  if (typeof params.onStatus !== 'function')
    throw new ValidationError('onStatus', 'must be a function', params.onStatus)
  for (const name of ['onScheduleChange', 'onControlChange', 'onCancelRequested'] as const) {
    if (params[name] !== undefined && typeof params[name] !== 'function')
      throw new ValidationError(name, 'must be a function', params[name])
  }
  return {
    types: new Set(params.types),
    onWake: params.onWake,
    onStatus: params.onStatus,
    onScheduleChange: params.onScheduleChange,
    onControlChange: params.onControlChange,
    onCancelRequested: params.onCancelRequested,
    fallbackReported: false,
  }
}

/**
 * Hands one projected stream event to the subscribers it concerns: a job event wakes those of
 * its type (every one when the event names no type), or, when it requests a cancel, goes to every
 * `onCancelRequested`; a schedule event goes to every `onScheduleChange`, a control event to every
 * `onControlChange`; and a drop or rename of a watched collection reports `reconnected` to all: a
 * database stream goes on past it (no invalidate), and what the collection now holds, or what was
 * written to it meanwhile, was never announced, so the runtime catches up.
 */
export function deliverEvent(
  subscribers: Iterable<Subscriber>,
  event: Document,
  collections: StreamCollections,
): void {
  switch (streamEventKind(event, collections)) {
    case 'job': {
      const cancelled = cancelRequestFromEvent(event)
      if (cancelled !== null) {
        for (const subscriber of subscribers) {
          const onCancelRequested = subscriber.onCancelRequested
          if (onCancelRequested !== undefined) safely(() => onCancelRequested([cancelled]))
        }
        return
      }
      const wake = wakeFromChange(event)
      for (const subscriber of subscribers) {
        if (wake.type !== undefined && !subscriber.types.has(wake.type)) continue
        safely(() => subscriber.onWake(wake))
      }
      return
    }
    case 'schedule': {
      const change = scheduleChangeFromEvent(event)
      if (change === null) return
      for (const subscriber of subscribers) {
        const onScheduleChange = subscriber.onScheduleChange
        if (onScheduleChange !== undefined) safely(() => onScheduleChange(change))
      }
      return
    }
    case 'control': {
      const change = controlChangeFromEvent(event)
      if (change === null) return
      for (const subscriber of subscribers) {
        const onControlChange = subscriber.onControlChange
        if (onControlChange !== undefined) safely(() => onControlChange({ ...change }))
      }
      return
    }
    case 'collectionReset':
      broadcastStatus(subscribers, { state: 'reconnected' })
      return
    default:
      return
  }
}

export function broadcastStatus(subscribers: Iterable<Subscriber>, status: PushStatus): void {
  for (const subscriber of subscribers) safely(() => subscriber.onStatus(status))
}

/** Tells a subscriber, once, that push is not available. */
export function reportFallback(subscriber: Subscriber, reason: string): void {
  if (subscriber.fallbackReported) return
  subscriber.fallbackReported = true
  safely(() => subscriber.onStatus({ state: 'fallback', reason }))
}

/** A subscriber that throws must not stop the stream. */
function safely(callback: () => void): void {
  try {
    callback()
  } catch {
    // The runtime's listeners own their errors; the stream keeps going for the others.
  }
}
