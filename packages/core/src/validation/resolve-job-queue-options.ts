import { type Clock, systemClock } from '../clock.js'
import { ValidationError } from '../errors/validation-error.js'
import { DEFAULTS, type JobQueueOptions, MINIMUMS } from '../options.js'
import type { TypeLimits } from '../type-limits.js'
import { type ResolvedEnqueueDefaults, resolveEnqueueDefaults } from './resolve-enqueue-options.js'
import { type ResolvedRedactOptions, resolveRedactOptions } from './resolve-redact-options.js'
import { resolveTypeLimits } from './resolve-type-limits.js'
import {
  rejectUnknownKeys,
  requireFunction,
  requireIntegerAtLeast,
  requireNoControlCharacters,
  requireNonEmptyString,
  requireOptionsObject,
  requireTimerMs,
} from './rules.js'

const JOB_QUEUE_OPTION_KEYS = [
  'instanceConcurrency',
  'clock',
  'workerId',
  'recoverIntervalMs',
  'shutdownTimeoutMs',
  'maxPayloadBytes',
  'defaultEnqueueOptions',
  'redact',
  'schedules',
  'workerRegistryIntervalMs',
  'limitsFor',
] as const satisfies ReadonlyArray<keyof JobQueueOptions>

/** The longest worker id accepted; it is stored on every active job. */
export const MAX_WORKER_ID_LENGTH = 200

export interface ResolvedJobQueueOptions {
  instanceConcurrency: number
  clock: Clock
  workerId: string
  recoverIntervalMs: number
  shutdownTimeoutMs: number
  maxPayloadBytes: number
  defaultEnqueueOptions: ResolvedEnqueueDefaults
  redact: ResolvedRedactOptions
  schedules: ResolvedScheduleRunOptions
  /** How often a started queue registers itself; false when registration is off. */
  workerRegistryIntervalMs: number | false
  /** The fleet-wide limits of a type, each answer validated; undefined when not given (no limits). */
  limitsFor: ((type: string) => TypeLimits | null) | undefined
}

export interface ResolvedScheduleRunOptions {
  run: boolean
  takeoverMs: number
  scanIntervalMs: number
}

/** Validates the queue's options once, at construction. `defaultWorkerId` is called only when needed. */
export function resolveJobQueueOptions(
  input: unknown,
  defaultWorkerId: () => string,
): ResolvedJobQueueOptions {
  const options = requireOptionsObject('options', input)
  rejectUnknownKeys('options', options, JOB_QUEUE_OPTION_KEYS)
  return {
    instanceConcurrency:
      options.instanceConcurrency === undefined
        ? DEFAULTS.instanceConcurrency
        : requireIntegerAtLeast('options.instanceConcurrency', options.instanceConcurrency, 1),
    clock: options.clock === undefined ? systemClock : validateClock(options.clock),
    workerId:
      options.workerId === undefined
        ? defaultWorkerId()
        : requireNoControlCharacters(
            'options.workerId',
            requireNonEmptyString('options.workerId', options.workerId, MAX_WORKER_ID_LENGTH),
          ),
    recoverIntervalMs:
      options.recoverIntervalMs === undefined
        ? DEFAULTS.recoverIntervalMs
        : requireTimerMs('options.recoverIntervalMs', options.recoverIntervalMs, MINIMUMS.recoverIntervalMs),
    shutdownTimeoutMs:
      options.shutdownTimeoutMs === undefined
        ? DEFAULTS.shutdownTimeoutMs
        : requireTimerMs('options.shutdownTimeoutMs', options.shutdownTimeoutMs, 0),
    maxPayloadBytes:
      options.maxPayloadBytes === undefined
        ? DEFAULTS.maxPayloadBytes
        : requireIntegerAtLeast('options.maxPayloadBytes', options.maxPayloadBytes, 1),
    defaultEnqueueOptions: resolveEnqueueDefaults(
      options.defaultEnqueueOptions as JobQueueOptions['defaultEnqueueOptions'],
      'options.defaultEnqueueOptions',
    ),
    redact: resolveRedactOptions(options.redact),
    schedules: resolveScheduleRunOptions(options.schedules),
    workerRegistryIntervalMs: resolveWorkerRegistryInterval(options.workerRegistryIntervalMs),
    limitsFor: resolveLimitsFor(options.limitsFor),
  }
}

/**
 * Wraps `limitsFor` so every answer is validated where it is used: a bad answer throws a
 * ValidationError naming the type (the fetcher reports it and does not claim that type).
 */
function resolveLimitsFor(value: unknown): ResolvedJobQueueOptions['limitsFor'] {
  if (value === undefined) return undefined
  const limitsFor = requireFunction<(type: string) => unknown>('options.limitsFor', value)
  return (type) => {
    const limits = limitsFor(type)
    return limits == null ? null : resolveTypeLimits(limits, `options.limitsFor(${JSON.stringify(type)})`)
  }
}

/** `false` and `0` turn registration off; otherwise a timer duration of at least the minimum. */
function resolveWorkerRegistryInterval(value: unknown): number | false {
  if (value === undefined) return DEFAULTS.workerRegistryIntervalMs
  if (value === false || value === 0) return false
  const field = 'options.workerRegistryIntervalMs'
  const minimum = MINIMUMS.workerRegistryIntervalMs
  if (typeof value !== 'number' || !Number.isFinite(value) || value < minimum) {
    throw new ValidationError(field, `must be false or 0 (off), or a finite number >= ${minimum}`, value)
  }
  return requireTimerMs(field, value, minimum)
}

function resolveScheduleRunOptions(value: unknown): ResolvedScheduleRunOptions {
  const defaults = DEFAULTS.schedules
  if (value === undefined) return { ...defaults }
  const options = requireOptionsObject('options.schedules', value)
  rejectUnknownKeys('options.schedules', options, ['run', 'takeoverMs', 'scanIntervalMs'])
  if (options.run !== undefined && typeof options.run !== 'boolean') {
    throw new ValidationError('options.schedules.run', 'must be a boolean', options.run)
  }
  return {
    run: options.run ?? defaults.run,
    takeoverMs:
      options.takeoverMs === undefined
        ? defaults.takeoverMs
        : requireTimerMs('options.schedules.takeoverMs', options.takeoverMs, MINIMUMS.scheduleTakeoverMs),
    scanIntervalMs:
      options.scanIntervalMs === undefined
        ? defaults.scanIntervalMs
        : requireTimerMs(
            'options.schedules.scanIntervalMs',
            options.scanIntervalMs,
            MINIMUMS.scheduleScanIntervalMs,
          ),
  }
}

function validateClock(value: unknown): Clock {
  const clock = value as Partial<Clock> | null
  const usable =
    typeof value === 'object' &&
    clock !== null &&
    typeof clock.now === 'function' &&
    typeof clock.setTimeout === 'function' &&
    typeof clock.clearTimeout === 'function'
  if (!usable) {
    throw new ValidationError('options.clock', 'must have now(), setTimeout() and clearTimeout()', value)
  }
  return value as Clock
}
