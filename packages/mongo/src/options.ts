import { ValidationError } from '@durabl/core'
import type { Db } from 'mongodb'

/** Defaults, named so the README, doc comments and error messages can point at them. */
export const MONGO_DEFAULTS = {
  collectionName: 'durabl_jobs',
  schedulesCollectionName: 'durabl_schedules',
  useChangeStreams: 'auto' as const,
  createIndexes: true,
  workersCollectionName: 'durabl_workers',
  controlsCollectionName: 'durabl_controls',
  limitersCollectionName: 'durabl_limiters',
  /** Completed jobs are kept 7 days. */
  completedRetentionMs: 7 * 24 * 60 * 60 * 1000,
  /** Failed jobs are kept 30 days: someone may want to read or retry them. */
  failedRetentionMs: 30 * 24 * 60 * 60 * 1000,
  /** Cancelled jobs are kept 7 days. */
  cancelledRetentionMs: 7 * 24 * 60 * 60 * 1000,
  /**
   * MongoDB refuses documents over 16 MiB. A job grows after enqueue (errors, logs, progress,
   * result), so enqueue keeps 1 MiB of headroom.
   */
  maxDocumentBytes: 16 * 1024 * 1024 - 1024 * 1024,
  maxErrorHistory: 20,
  maxLogEntries: 100,
  /** How far (as a multiple of the batch) a claim may spread over the queue's head under contention. */
  claimSpreadMax: 8,
  /**
   * How long the server holds an empty change-stream `getMore` before answering. Events still
   * arrive at once; this only sets how often an idle stream asks (the driver's default is 1 s).
   */
  changeStreamAwaitMs: 10_000,
  /**
   * `getStats` counts finished jobs of one type and state up to this many index keys, so a scrape
   * costs the same however many finished jobs retention keeps.
   */
  statsFinishedCountCap: 10_000,
  /** A stored error's `message` is cut to this many UTF-8 bytes. */
  maxErrorMessageBytes: 8 * 1024,
  /** A stored error's `stack` is cut to this many UTF-8 bytes. */
  maxErrorStackBytes: 16 * 1024,
  /** A stored log line's `message` is cut to this many UTF-8 bytes. */
  maxLogMessageBytes: 4 * 1024,
} as const

/** The hard ceiling of a BSON document. */
export const MONGO_MAX_BSON_BYTES = 16 * 1024 * 1024

/** How long finished jobs are kept before the TTL index deletes them; `null` keeps them forever. */
export interface RetentionOptions {
  /** @defaultValue 604800000 (7 days) */
  completedMs?: number | null
  /** @defaultValue 2592000000 (30 days) */
  failedMs?: number | null
  /** @defaultValue 604800000 (7 days) */
  cancelledMs?: number | null
}

export interface MongoBackendOptions {
  /** The database that holds the jobs collection. The backend never closes its client. */
  db: Db
  /** @defaultValue 'durabl_jobs' */
  collectionName?: string
  /**
   * The collection of stored schedules (recurring jobs), in the same database. It must differ
   * from `collectionName`. @defaultValue 'durabl_schedules'
   */
  schedulesCollectionName?: string
  /**
   * Push wake-ups through a change stream. `'auto'` uses one when the server is a replica set or
   * a sharded cluster and reports a fallback to polling otherwise; `true` makes `startup()` throw
   * on a standalone server; `false` never opens a stream (`capabilities.push` is false).
   * @defaultValue 'auto'
   */
  useChangeStreams?: boolean | 'auto'
  /**
   * Create the indexes in `jobIndexes()` at `startup()`. Turn off where the application's user
   * may not create indexes, and create them ahead of time (the CLI prints them).
   * @defaultValue true
   */
  createIndexes?: boolean
  /** How long finished jobs are kept (see {@link RetentionOptions}). */
  retention?: RetentionOptions
  /**
   * The collection of the worker registry (one document per started queue, deleted by a TTL index
   * on `expiresAt`), in the same database. It must differ from `collectionName`.
   * @defaultValue 'durabl_workers'
   */
  workersCollectionName?: string
  /**
   * The collection of type controls (fleet-wide pause and resume per job type: one small document
   * per controlled type, `_id` = the type), in the same database. It must differ from
   * `collectionName`, `schedulesCollectionName` and `workersCollectionName`.
   * @defaultValue 'durabl_controls'
   */
  controlsCollectionName?: string
  /**
   * The collection of rate limiters (one small document per rate limit of a type or key, holding
   * the starts of its current window; see docs/limits.md), in the same database. A TTL index on
   * `expiresAt` deletes a limiter once its window is empty. It must differ from `collectionName`.
   * @defaultValue 'durabl_limiters'
   */
  limitersCollectionName?: string
  /**
   * A job whose document (as BSON, payload included) is larger than this is rejected at enqueue.
   * At most 16 MiB. @defaultValue 15728640 (16 MiB minus 1 MiB of headroom)
   */
  maxDocumentBytes?: number
  /** Errors kept per job (the newest). @defaultValue 20 */
  maxErrorHistory?: number
  /** Log lines kept per job (the newest). @defaultValue 100 */
  maxLogEntries?: number
  /**
   * Under contention a claim picks its batch at random from a window up to this many times the
   * batch, so processes claiming at once do not all race for the first documents. The window is
   * read in full: lower this for multi-megabyte payloads. `1` always claims strictly from the head.
   * See docs/decisions/0003-claiming.md. @defaultValue 8
   */
  claimSpreadMax?: number
  /**
   * How long the server may hold an empty change-stream `getMore`, in milliseconds. New events are
   * delivered at once whatever this is; it sets the idle cost of the stream (one `getMore` per
   * interval) and how late a silently dead connection is noticed. @defaultValue 10000
   */
  changeStreamAwaitMs?: number
  /**
   * `getStats` counts the finished jobs (completed, failed, cancelled) of each type up to this
   * many; a count that reaches it is reported as the cap (read it as "at least"). Pending and
   * active jobs are always counted exactly. Bounds a metrics scrape by the number of types instead
   * of the number of finished jobs retention keeps; `null` counts exactly, at a cost that grows
   * with them. @defaultValue 10000
   */
  statsFinishedCountCap?: number | null
}

export interface ResolvedRetention {
  completedMs: number | null
  failedMs: number | null
  cancelledMs: number | null
}

export interface ResolvedMongoBackendOptions {
  db: Db
  collectionName: string
  schedulesCollectionName: string
  useChangeStreams: boolean | 'auto'
  createIndexes: boolean
  retention: ResolvedRetention
  workersCollectionName: string
  controlsCollectionName: string
  limitersCollectionName: string
  maxDocumentBytes: number
  maxErrorHistory: number
  maxLogEntries: number
  claimSpreadMax: number
  changeStreamAwaitMs: number
  statsFinishedCountCap: number | null
}

function positiveInteger(field: string, value: unknown, maximum = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ValidationError(field, 'must be a positive integer', value)
  }
  if (value > maximum) throw new ValidationError(field, `must be at most ${maximum}`, value)
  return value
}

function retentionMs(field: string, value: number | null | undefined, fallback: number): number | null {
  if (value === undefined) return fallback
  if (value === null) return null
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ValidationError(
      field,
      'must be a finite number of milliseconds >= 0, or null to keep forever',
      value,
    )
  }
  return value
}

function collectionNameOption(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.includes('$')) {
    throw new ValidationError(field, 'must be a non-empty string without "$"', value)
  }
  return value
}

/** Validates the options once, at construction, and fills in the defaults. */
export function resolveMongoBackendOptions(options: MongoBackendOptions): ResolvedMongoBackendOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError('options', 'must be an object', options)
  }
  const db = options.db
  if (typeof db !== 'object' || db === null || typeof (db as Db).collection !== 'function') {
    throw new ValidationError('db', 'must be a mongodb Db (client.db(name))', db)
  }
  const collectionName = collectionNameOption(
    'collectionName',
    options.collectionName ?? MONGO_DEFAULTS.collectionName,
  )
  const schedulesCollectionName = collectionNameOption(
    'schedulesCollectionName',
    options.schedulesCollectionName ?? MONGO_DEFAULTS.schedulesCollectionName,
  )
  if (schedulesCollectionName === collectionName) {
    throw new ValidationError(
      'schedulesCollectionName',
      `must differ from collectionName ("${collectionName}")`,
      schedulesCollectionName,
    )
  }
  const useChangeStreams = options.useChangeStreams ?? MONGO_DEFAULTS.useChangeStreams
  if (useChangeStreams !== true && useChangeStreams !== false && useChangeStreams !== 'auto') {
    throw new ValidationError('useChangeStreams', "must be true, false or 'auto'", useChangeStreams)
  }
  const createIndexes = options.createIndexes ?? MONGO_DEFAULTS.createIndexes
  if (typeof createIndexes !== 'boolean') {
    throw new ValidationError('createIndexes', 'must be a boolean', createIndexes)
  }
  const workersCollectionName = options.workersCollectionName ?? MONGO_DEFAULTS.workersCollectionName
  if (
    typeof workersCollectionName !== 'string' ||
    workersCollectionName.length === 0 ||
    workersCollectionName.includes('$') ||
    workersCollectionName === collectionName
  ) {
    throw new ValidationError(
      'workersCollectionName',
      `must be a non-empty string without "$", other than collectionName ("${collectionName}")`,
      workersCollectionName,
    )
  }
  const controlsCollectionName = collectionNameOption(
    'controlsCollectionName',
    options.controlsCollectionName ?? MONGO_DEFAULTS.controlsCollectionName,
  )
  const others = { collectionName, schedulesCollectionName, workersCollectionName }
  for (const [name, value] of Object.entries(others)) {
    if (value === controlsCollectionName) {
      throw new ValidationError(
        'controlsCollectionName',
        `must differ from ${name} ("${value}")`,
        controlsCollectionName,
      )
    }
  }
  const limitersCollectionName = collectionNameOption(
    'limitersCollectionName',
    options.limitersCollectionName ?? MONGO_DEFAULTS.limitersCollectionName,
  )
  if (
    [collectionName, schedulesCollectionName, workersCollectionName, controlsCollectionName].includes(
      limitersCollectionName,
    )
  ) {
    throw new ValidationError(
      'limitersCollectionName',
      'must differ from collectionName, schedulesCollectionName, workersCollectionName and controlsCollectionName',
      limitersCollectionName,
    )
  }
  const retention = options.retention ?? {}
  if (typeof retention !== 'object' || retention === null) {
    throw new ValidationError('retention', 'must be an object', retention)
  }
  return {
    db,
    collectionName,
    schedulesCollectionName,
    useChangeStreams,
    createIndexes,
    retention: {
      completedMs: retentionMs(
        'retention.completedMs',
        retention.completedMs,
        MONGO_DEFAULTS.completedRetentionMs,
      ),
      failedMs: retentionMs('retention.failedMs', retention.failedMs, MONGO_DEFAULTS.failedRetentionMs),
      cancelledMs: retentionMs(
        'retention.cancelledMs',
        retention.cancelledMs,
        MONGO_DEFAULTS.cancelledRetentionMs,
      ),
    },
    workersCollectionName,
    controlsCollectionName,
    limitersCollectionName,
    maxDocumentBytes: positiveInteger(
      'maxDocumentBytes',
      options.maxDocumentBytes ?? MONGO_DEFAULTS.maxDocumentBytes,
      MONGO_MAX_BSON_BYTES,
    ),
    maxErrorHistory: positiveInteger(
      'maxErrorHistory',
      options.maxErrorHistory ?? MONGO_DEFAULTS.maxErrorHistory,
    ),
    maxLogEntries: positiveInteger('maxLogEntries', options.maxLogEntries ?? MONGO_DEFAULTS.maxLogEntries),
    claimSpreadMax: positiveInteger(
      'claimSpreadMax',
      options.claimSpreadMax ?? MONGO_DEFAULTS.claimSpreadMax,
      64,
    ),
    changeStreamAwaitMs: positiveInteger(
      'changeStreamAwaitMs',
      options.changeStreamAwaitMs ?? MONGO_DEFAULTS.changeStreamAwaitMs,
      600_000,
    ),
    statsFinishedCountCap:
      options.statsFinishedCountCap === null
        ? null
        : positiveInteger(
            'statsFinishedCountCap',
            options.statsFinishedCountCap ?? MONGO_DEFAULTS.statsFinishedCountCap,
          ),
  }
}
