import { ValidationError } from '@durabl/core'
import { type Registry, type RegistryContentType, register } from 'prom-client'
import {
  rejectUnknownKeys,
  requireBoolean,
  requireBuckets,
  requireFiniteAtLeast,
  requireFunction,
  requireNonEmptyString,
  requireOptionsObject,
} from '../shared/option-rules.js'

/** Defaults for {@link InstrumentQueueOptions}, named so docs and errors can point at them. */
export const INSTRUMENT_QUEUE_DEFAULTS = {
  queueName: 'default',
  statsCacheMs: 5_000,
  collectStats: true,
  /** 5 ms to 1 h: a job may wait milliseconds on an idle queue, or hours behind a backlog. */
  waitBucketsSeconds: [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600,
  ],
  /** 5 ms to 1 h: jobs range from a quick API call to a long report. */
  durationBucketsSeconds: [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600,
  ],
  /**
   * 5 ms to 1 day: an on-time occurrence is enqueued within milliseconds (seconds after a takeover);
   * a caught-up one after downtime as late as the downtime lasted.
   */
  scheduleLagBucketsSeconds: [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400,
  ],
} as const

/** The longest queue name accepted; it is a label value on every series. */
export const MAX_QUEUE_NAME_LENGTH = 200

export interface InstrumentQueueOptions {
  /** The registry to register the metrics in. @defaultValue prom-client's global `register` */
  registry?: Registry<RegistryContentType>
  /**
   * The `queue` label of every series. Must be unique per registry among instrumented queues.
   * @defaultValue 'default'
   */
  queueName?: string
  /**
   * How long a `getStats()` result is reused by scrapes, in milliseconds, so scrapes (and several
   * Prometheus servers) do not each read the database. 0 reads on every scrape. Scrapes that
   * arrive while a read is in flight always share it. @defaultValue 5000
   */
  statsCacheMs?: number
  /**
   * Export the `getStats()` gauges (`durabl_jobs`, `durabl_jobs_due`,
   * `durabl_oldest_due_job_age_seconds`). Every process that sets it reads the same counts from
   * the database; turn it off in all but a few processes of a large fleet. @defaultValue true
   */
  collectStats?: boolean
  /** The current time, for the cache and the oldest due job's age. @defaultValue the queue's clock, else the system clock */
  now?: () => Date
  /**
   * Buckets of `durabl_job_wait_seconds`, in seconds. Metrics are registered once per registry:
   * the first `instrumentQueue` call on a registry decides. @defaultValue 5 ms to 1 h, see `INSTRUMENT_QUEUE_DEFAULTS`
   */
  waitBucketsSeconds?: number[]
  /** Buckets of `durabl_job_duration_seconds`, in seconds; the first call on a registry decides. @defaultValue 5 ms to 1 h */
  durationBucketsSeconds?: number[]
  /** Buckets of `durabl_schedule_lag_seconds`, in seconds; the first call on a registry decides. @defaultValue 5 ms to 1 day */
  scheduleLagBucketsSeconds?: number[]
  /**
   * Called when collecting a scrape hits an error: `getStats()` failed (this queue's stats gauges
   * are left out of that scrape and `durabl_stats_errors_total` counts it), or the queue's
   * `getConcurrency()` threw (slots fall back to the event count). @defaultValue none
   */
  onError?: (error: Error) => void
}

export interface ResolvedInstrumentQueueOptions {
  registry: Registry<RegistryContentType>
  queueName: string
  statsCacheMs: number
  collectStats: boolean
  now: (() => Date) | null
  waitBucketsSeconds: number[]
  durationBucketsSeconds: number[]
  scheduleLagBucketsSeconds: number[]
  onError: ((error: Error) => void) | null
}

const KEYS = [
  'registry',
  'queueName',
  'statsCacheMs',
  'collectStats',
  'now',
  'waitBucketsSeconds',
  'durationBucketsSeconds',
  'scheduleLagBucketsSeconds',
  'onError',
] as const satisfies ReadonlyArray<keyof InstrumentQueueOptions>

/** Applies defaults and checks every option once, when `instrumentQueue` is called. */
export function resolveInstrumentQueueOptions(input: unknown): ResolvedInstrumentQueueOptions {
  const options = requireOptionsObject('options', input)
  rejectUnknownKeys('options', options, KEYS)
  return {
    registry: options.registry === undefined ? register : requireRegistry(options.registry),
    queueName:
      options.queueName === undefined
        ? INSTRUMENT_QUEUE_DEFAULTS.queueName
        : requireNonEmptyString('options.queueName', options.queueName, MAX_QUEUE_NAME_LENGTH),
    statsCacheMs:
      options.statsCacheMs === undefined
        ? INSTRUMENT_QUEUE_DEFAULTS.statsCacheMs
        : requireFiniteAtLeast('options.statsCacheMs', options.statsCacheMs, 0),
    collectStats:
      options.collectStats === undefined
        ? INSTRUMENT_QUEUE_DEFAULTS.collectStats
        : requireBoolean('options.collectStats', options.collectStats),
    now: options.now === undefined ? null : requireFunction('options.now', options.now),
    waitBucketsSeconds:
      options.waitBucketsSeconds === undefined
        ? [...INSTRUMENT_QUEUE_DEFAULTS.waitBucketsSeconds]
        : requireBuckets('options.waitBucketsSeconds', options.waitBucketsSeconds),
    durationBucketsSeconds:
      options.durationBucketsSeconds === undefined
        ? [...INSTRUMENT_QUEUE_DEFAULTS.durationBucketsSeconds]
        : requireBuckets('options.durationBucketsSeconds', options.durationBucketsSeconds),
    scheduleLagBucketsSeconds:
      options.scheduleLagBucketsSeconds === undefined
        ? [...INSTRUMENT_QUEUE_DEFAULTS.scheduleLagBucketsSeconds]
        : requireBuckets('options.scheduleLagBucketsSeconds', options.scheduleLagBucketsSeconds),
    onError: options.onError === undefined ? null : requireFunction('options.onError', options.onError),
  }
}

/** Duck-typed, so a registry from another copy of prom-client is accepted. */
export function requireRegistry(value: unknown, field = 'options.registry'): Registry<RegistryContentType> {
  const candidate = value as Partial<Registry> | null
  if (
    typeof value !== 'object' ||
    candidate === null ||
    typeof candidate.registerMetric !== 'function' ||
    typeof candidate.getSingleMetric !== 'function' ||
    typeof candidate.metrics !== 'function'
  ) {
    throw new ValidationError(field, 'must be a prom-client Registry', value)
  }
  return value as Registry<RegistryContentType>
}
