import { ValidationError } from '../errors/validation-error.js'
import {
  type BackoffOption,
  DEFAULTS,
  type Isolation,
  MINIMUMS,
  type ProcessorConfig,
  type ThreadResourceLimits,
} from '../options.js'
import {
  rejectUnknownKeys,
  requireIntegerAtLeast,
  requireOneOf,
  requireOptionsObject,
  requirePositiveFinite,
  requireTimerMs,
} from './rules.js'
import { validateBackoffOption } from './validate-backoff.js'

const PROCESSOR_CONFIG_KEYS = [
  'concurrency',
  'pollIntervalMs',
  'leaseMs',
  'heartbeatMs',
  'backoff',
  'isolation',
  'threadTerminateGraceMs',
  'threadResourceLimits',
] as const satisfies ReadonlyArray<keyof ProcessorConfig>

const ISOLATIONS = ['none', 'thread'] as const satisfies readonly Isolation[]

const THREAD_RESOURCE_LIMIT_KEYS = [
  'maxOldGenerationSizeMb',
  'maxYoungGenerationSizeMb',
  'codeRangeSizeMb',
  'stackSizeMb',
] as const satisfies ReadonlyArray<keyof ThreadResourceLimits>

/** How many heartbeats fit in one lease by default: a lost heartbeat or two does not lose the job. */
export const HEARTBEATS_PER_LEASE = 3

/** What `process()` was given as the handler: a function, or a `ThreadModule` (`{ module }`). */
export type HandlerKind = 'function' | 'module'

/** A processor's configuration after defaults and validation. */
export interface ResolvedProcessorConfig {
  concurrency: number
  /** The interval the user set, or null to use the queue's default (which depends on push). */
  pollIntervalMs: number | null
  leaseMs: number
  heartbeatMs: number
  /** Overrides the job's stored backoff when set. */
  backoff: BackoffOption | null
  isolation: Isolation
  /** Used only with isolation `'thread'`. */
  threadTerminateGraceMs: number
  /** Used only with isolation `'thread'`; null keeps Node's defaults. */
  threadResourceLimits: ThreadResourceLimits | null
}

/**
 * Validates a processor's config and fills in defaults. `handlerKind` decides the default
 * isolation and which isolation is allowed: a function cannot cross into a thread, and a module
 * handler runs only in one.
 */
export function resolveProcessorConfig(
  input: unknown,
  field = 'config',
  handlerKind: HandlerKind = 'function',
): ResolvedProcessorConfig {
  const config = requireOptionsObject(field, input)
  rejectUnknownKeys(field, config, PROCESSOR_CONFIG_KEYS)
  const leaseMs =
    config.leaseMs === undefined
      ? DEFAULTS.leaseMs
      : requireTimerMs(`${field}.leaseMs`, config.leaseMs, MINIMUMS.leaseMs)
  let heartbeatMs: number
  if (config.heartbeatMs === undefined) {
    heartbeatMs = Math.max(MINIMUMS.heartbeatMs, Math.floor(leaseMs / HEARTBEATS_PER_LEASE))
  } else {
    heartbeatMs = requireTimerMs(`${field}.heartbeatMs`, config.heartbeatMs, MINIMUMS.heartbeatMs)
    if (heartbeatMs >= leaseMs) {
      throw new ValidationError(`${field}.heartbeatMs`, `must be less than leaseMs (${leaseMs})`, heartbeatMs)
    }
  }
  const isolation = resolveIsolation(field, config.isolation, handlerKind)
  if (isolation === 'none') {
    for (const key of ['threadTerminateGraceMs', 'threadResourceLimits'] as const) {
      if (config[key] !== undefined) {
        throw new ValidationError(`${field}.${key}`, "applies only with isolation: 'thread'", config[key])
      }
    }
  }
  return {
    concurrency:
      config.concurrency === undefined
        ? DEFAULTS.concurrency
        : requireIntegerAtLeast(`${field}.concurrency`, config.concurrency, 1),
    pollIntervalMs:
      config.pollIntervalMs === undefined
        ? null
        : requireTimerMs(`${field}.pollIntervalMs`, config.pollIntervalMs, MINIMUMS.pollIntervalMs),
    leaseMs,
    heartbeatMs,
    backoff: config.backoff === undefined ? null : validateBackoffOption(`${field}.backoff`, config.backoff),
    isolation,
    threadTerminateGraceMs:
      config.threadTerminateGraceMs === undefined
        ? DEFAULTS.threadTerminateGraceMs
        : requireTimerMs(`${field}.threadTerminateGraceMs`, config.threadTerminateGraceMs, 0),
    threadResourceLimits:
      config.threadResourceLimits === undefined
        ? null
        : resolveResourceLimits(`${field}.threadResourceLimits`, config.threadResourceLimits),
  }
}

function resolveIsolation(field: string, input: unknown, handlerKind: HandlerKind): Isolation {
  const name = `${field}.isolation`
  if (input === undefined) return handlerKind === 'module' ? 'thread' : 'none'
  const isolation = requireOneOf(name, input, ISOLATIONS)
  if (isolation === 'thread' && handlerKind === 'function') {
    throw new ValidationError(
      name,
      "cannot be 'thread' for a function handler: a function cannot be sent to another thread, so " +
        "name its module instead: process(type, { module: new URL('./handler.js', import.meta.url), " +
        "exportName: 'default' }, config)",
      isolation,
    )
  }
  if (isolation === 'none' && handlerKind === 'module') {
    throw new ValidationError(
      name,
      "must be 'thread' for a module handler ({ module, exportName }): it runs only in a worker thread",
      isolation,
    )
  }
  return isolation
}

function resolveResourceLimits(field: string, input: unknown): ThreadResourceLimits {
  const limits = requireOptionsObject(field, input)
  rejectUnknownKeys(field, limits, THREAD_RESOURCE_LIMIT_KEYS)
  const resolved: ThreadResourceLimits = {}
  for (const key of THREAD_RESOURCE_LIMIT_KEYS) {
    if (limits[key] !== undefined) resolved[key] = requirePositiveFinite(`${field}.${key}`, limits[key])
  }
  return resolved
}
