import { ValidationError } from '../errors/validation-error.js'
import { type BackoffOption, DEFAULTS, MINIMUMS, type ProcessorConfig } from '../options.js'
import { rejectUnknownKeys, requireIntegerAtLeast, requireOptionsObject, requireTimerMs } from './rules.js'
import { validateBackoffOption } from './validate-backoff.js'

const PROCESSOR_CONFIG_KEYS = [
  'concurrency',
  'pollIntervalMs',
  'leaseMs',
  'heartbeatMs',
  'backoff',
] as const satisfies ReadonlyArray<keyof ProcessorConfig>

/** How many heartbeats fit in one lease by default: a lost heartbeat or two does not lose the job. */
export const HEARTBEATS_PER_LEASE = 3

/** A processor's configuration after defaults and validation. */
export interface ResolvedProcessorConfig {
  concurrency: number
  /** The interval the user set, or null to use the queue's default (which depends on push). */
  pollIntervalMs: number | null
  leaseMs: number
  heartbeatMs: number
  /** Overrides the job's stored backoff when set. */
  backoff: BackoffOption | null
}

export function resolveProcessorConfig(input: unknown, field = 'config'): ResolvedProcessorConfig {
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
  }
}
