import type { BackendSession } from '../backend.js'
import { ValidationError } from '../errors/validation-error.js'
import { type BackoffSpec, DEDUPE_SCOPES, type DedupeScope, type JobMetadata } from '../job.js'
import { DEFAULTS, type EnqueueOptions, type JobQueueOptions } from '../options.js'
import {
  rejectUnknownKeys,
  requireFiniteAtLeast,
  requireFiniteInteger,
  requireIntegerAtLeast,
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
  'session',
  'metadata',
] as const satisfies ReadonlyArray<keyof EnqueueOptions>

const DEFAULT_ENQUEUE_OPTION_KEYS = ENQUEUE_OPTION_KEYS.filter(
  (key) => key !== 'session' && key !== 'runAt' && key !== 'dedupeKey',
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
        : requireFiniteInteger(`${field}.priority`, options.priority),
    delayMs: options.delayMs === undefined ? 0 : requireFiniteAtLeast(`${field}.delayMs`, options.delayMs, 0),
    maxAttempts:
      options.maxAttempts === undefined
        ? DEFAULTS.maxAttempts
        : requireIntegerAtLeast(`${field}.maxAttempts`, options.maxAttempts, 1),
    backoff:
      options.backoff === undefined
        ? DEFAULTS.backoff
        : validateBackoffSpec(`${field}.backoff`, options.backoff),
    timeoutMs:
      options.timeoutMs === undefined ? null : requirePositiveFinite(`${field}.timeoutMs`, options.timeoutMs),
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
  } else {
    const delayMs =
      options.delayMs === undefined
        ? defaults.delayMs
        : requireFiniteAtLeast(`${field}.delayMs`, options.delayMs, 0)
    runAt = new Date(now.getTime() + delayMs)
  }

  // A dedupe key is checked as a string before it reaches any query, so a user-supplied value
  // such as `{ $ne: null }` can never turn into a query operator.
  const dedupeKey =
    options.dedupeKey === undefined
      ? null
      : requireNonEmptyString(`${field}.dedupeKey`, options.dedupeKey, DEFAULTS.maxDedupeKeyLength)
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
        : requireFiniteInteger(`${field}.priority`, options.priority),
    runAt,
    maxAttempts:
      options.maxAttempts === undefined
        ? defaults.maxAttempts
        : requireIntegerAtLeast(`${field}.maxAttempts`, options.maxAttempts, 1),
    backoff:
      options.backoff === undefined
        ? defaults.backoff
        : validateBackoffSpec(`${field}.backoff`, options.backoff),
    timeoutMs:
      options.timeoutMs === undefined
        ? defaults.timeoutMs
        : requirePositiveFinite(`${field}.timeoutMs`, options.timeoutMs),
    dedupeKey,
    dedupeScope,
    session: options.session ?? undefined,
    // Per-call metadata adds to (and overrides) the queue-wide metadata.
    metadata:
      options.metadata === undefined
        ? { ...defaults.metadata }
        : { ...defaults.metadata, ...validateMetadata(`${field}.metadata`, options.metadata) },
  }
}
