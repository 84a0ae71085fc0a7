import type { BackendSession } from '../backend.js'
import { ValidationError } from '../errors/validation-error.js'
import { type BackoffSpec, DEDUPE_SCOPES, type DedupeScope, type JobMetadata } from '../job.js'
import { DEFAULTS, type EnqueueOptions, type JobQueueOptions, MAXIMUMS, MINIMUMS } from '../options.js'
import {
  rejectUnknownKeys,
  requireAtMost,
  requireFiniteAtLeast,
  requireIntegerAtLeast,
  requireIntegerBetween,
  requireNoControlCharacters,
  requireNonEmptyString,
  requireOneOf,
  requireOptionsObject,
  requirePositiveFinite,
  requireValidDate,
} from './rules.js'
import { validateBackoffSpec } from './validate-backoff.js'
import { validateMetadata } from './validate-metadata.js'

const ENQUEUE_OPTION_KEYS = [
  'priority',
  'delayMs',
  'runAt',
  'maxAttempts',
  'backoff',
  'timeoutMs',
  'dedupeKey',
  'dedupeScope',
  'limitKey',
  'session',
  'metadata',
] as const satisfies ReadonlyArray<keyof EnqueueOptions>

const DEFAULT_ENQUEUE_OPTION_KEYS = ENQUEUE_OPTION_KEYS.filter(
  (key) => key !== 'session' && key !== 'runAt' && key !== 'dedupeKey' && key !== 'limitKey',
)

/** The queue-wide defaults every enqueue starts from (`JobQueueOptions.defaultEnqueueOptions`). */
export interface ResolvedEnqueueDefaults {
  priority: number
  delayMs: number
  maxAttempts: number
  backoff: BackoffSpec
  timeoutMs: number | null
  dedupeScope: DedupeScope
  metadata: JobMetadata
}

/** One enqueue's options after defaults and validation: what goes into a `NewJob`. */
export interface ResolvedEnqueueOptions {
  priority: number
  runAt: Date
  maxAttempts: number
  backoff: BackoffSpec
  timeoutMs: number | null
  dedupeKey: string | null
  dedupeScope: DedupeScope | null
  limitKey: string | null
  session: BackendSession | undefined
  metadata: JobMetadata
}

/** Validates `defaultEnqueueOptions` once, at construction. */
export function resolveEnqueueDefaults(
  input: JobQueueOptions['defaultEnqueueOptions'],
  field = 'defaultEnqueueOptions',
): ResolvedEnqueueDefaults {
  const options = requireOptionsObject(field, input)
  rejectUnknownKeys(field, options, DEFAULT_ENQUEUE_OPTION_KEYS)
  return {
    priority:
      options.priority === undefined
        ? DEFAULTS.priority
        : validatePriority(`${field}.priority`, options.priority),
    delayMs: options.delayMs === undefined ? 0 : validateDelayMs(`${field}.delayMs`, options.delayMs),
    maxAttempts:
      options.maxAttempts === undefined
        ? DEFAULTS.maxAttempts
        : validateMaxAttempts(`${field}.maxAttempts`, options.maxAttempts),
    backoff:
      options.backoff === undefined
        ? DEFAULTS.backoff
        : validateBackoffSpec(`${field}.backoff`, options.backoff),
    timeoutMs:
      options.timeoutMs === undefined ? null : validateTimeoutMs(`${field}.timeoutMs`, options.timeoutMs),
    dedupeScope:
      options.dedupeScope === undefined
        ? DEFAULTS.dedupeScope
        : requireOneOf(`${field}.dedupeScope`, options.dedupeScope, DEDUPE_SCOPES),
    metadata: options.metadata === undefined ? {} : validateMetadata(`${field}.metadata`, options.metadata),
  }
}

/**
 * Validates one enqueue's options and fills in the defaults. `field` prefixes every error
 * (`options`, or `jobs[3].options` for `enqueueMany`).
 */
export function resolveEnqueueOptions(
  input: unknown,
  defaults: ResolvedEnqueueDefaults,
  now: Date,
  field = 'options',
): ResolvedEnqueueOptions {
  const options = requireOptionsObject(field, input)
  rejectUnknownKeys(field, options, ENQUEUE_OPTION_KEYS)

  if (options.delayMs !== undefined && options.runAt !== undefined) {
    throw new ValidationError(`${field}.delayMs`, 'must not be given together with runAt', options.delayMs)
  }
  let runAt: Date
  if (options.runAt !== undefined) {
    runAt = requireValidDate(`${field}.runAt`, options.runAt)
  } else if (options.delayMs === undefined) {
    runAt = new Date(now.getTime() + defaults.delayMs)
  } else {
    const delayMs = validateDelayMs(`${field}.delayMs`, options.delayMs)
    // Past the latest Date, `runAt` would be Invalid Date and the error would name runAt.
    requireAtMost(
      `${field}.delayMs`,
      delayMs,
      MAXIMUMS.dateMs - now.getTime(),
      `now + delayMs must not pass the latest Date, ${MAXIMUMS.dateMs} ms since 1970`,
    )
    runAt = new Date(now.getTime() + delayMs)
  }

  // A dedupe key is checked as a string before it reaches any query, so a user-supplied value
  // such as `{ $ne: null }` can never turn into a query operator.
  const dedupeKey =
    options.dedupeKey === undefined
      ? null
      : requireNoControlCharacters(
          `${field}.dedupeKey`,
          requireNonEmptyString(`${field}.dedupeKey`, options.dedupeKey, DEFAULTS.maxDedupeKeyLength),
        )
  if (options.dedupeScope !== undefined && dedupeKey === null) {
    throw new ValidationError(
      `${field}.dedupeScope`,
      'must only be given together with dedupeKey',
      options.dedupeScope,
    )
  }
  const dedupeScope =
    dedupeKey === null
      ? null
      : options.dedupeScope === undefined
        ? defaults.dedupeScope
        : requireOneOf(`${field}.dedupeScope`, options.dedupeScope, DEDUPE_SCOPES)

  return {
    priority:
      options.priority === undefined
        ? defaults.priority
        : validatePriority(`${field}.priority`, options.priority),
    runAt,
    maxAttempts:
      options.maxAttempts === undefined
        ? defaults.maxAttempts
        : validateMaxAttempts(`${field}.maxAttempts`, options.maxAttempts),
    backoff:
      options.backoff === undefined
        ? defaults.backoff
        : validateBackoffSpec(`${field}.backoff`, options.backoff),
    timeoutMs:
      options.timeoutMs === undefined
        ? defaults.timeoutMs
        : validateTimeoutMs(`${field}.timeoutMs`, options.timeoutMs),
    dedupeKey,
    dedupeScope,
    // Checked as a string like the dedupe key: it is stored and used in queries and slot names.
    limitKey:
      options.limitKey === undefined
        ? null
        : requireNoControlCharacters(
            `${field}.limitKey`,
            requireNonEmptyString(`${field}.limitKey`, options.limitKey, DEFAULTS.maxLimitKeyLength),
          ),
    session: options.session ?? undefined,
    // Per-call metadata adds to (and overrides) the queue-wide metadata.
    metadata:
      options.metadata === undefined
        ? { ...defaults.metadata }
        : { ...defaults.metadata, ...validateMetadata(`${field}.metadata`, options.metadata) },
  }
}

/** An integer from `MINIMUMS.priority` to `MAXIMUMS.priority` (-1,000,000 to 1,000,000). */
function validatePriority(field: string, value: unknown): number {
  return requireIntegerBetween(field, value, MINIMUMS.priority, MAXIMUMS.priority)
}

/** An integer from 1 to `MAXIMUMS.maxAttempts` (1,000,000). */
function validateMaxAttempts(field: string, value: unknown): number {
  requireIntegerAtLeast(field, value, 1)
  return requireAtMost(field, value as number, MAXIMUMS.maxAttempts, 'MAXIMUMS.maxAttempts')
}

/** At least 0, and no later than the latest Date even from the epoch (checked against now at enqueue). */
function validateDelayMs(field: string, value: unknown): number {
  const delayMs = requireFiniteAtLeast(field, value, 0)
  return requireAtMost(field, delayMs, MAXIMUMS.dateMs, `the latest Date is ${MAXIMUMS.dateMs} ms since 1970`)
}

/** Positive and no longer than a Node.js timer can wait. */
function validateTimeoutMs(field: string, value: unknown): number {
  const timeoutMs = requirePositiveFinite(field, value)
  return requireAtMost(field, timeoutMs, MAXIMUMS.timerMs, 'the longest timer Node.js can set')
}
