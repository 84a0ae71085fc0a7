import { describe, expect, it } from 'vitest'
import { ValidationError } from '../errors/validation-error.js'
import { DEFAULTS } from '../options.js'
import { resolveEnqueueDefaults, resolveEnqueueOptions } from './resolve-enqueue-options.js'

const now = new Date(Date.UTC(2030, 0, 1))
const defaults = resolveEnqueueDefaults(undefined)

function messageOf(options: unknown): string {
  try {
    resolveEnqueueOptions(options, defaults, now)
  } catch (error) {
    if (ValidationError.isInstance(error)) return error.message
    throw error
  }
  throw new Error('expected a ValidationError')
}

describe('resolveEnqueueOptions', () => {
  it('fills in every default', () => {
    expect(resolveEnqueueOptions(undefined, defaults, now)).toEqual({
      priority: DEFAULTS.priority,
      runAt: now,
      maxAttempts: DEFAULTS.maxAttempts,
      backoff: DEFAULTS.backoff,
      timeoutMs: null,
      dedupeKey: null,
      dedupeScope: null,
      limitKey: null,
      session: undefined,
      metadata: {},
    })
  })

  it('computes runAt from delayMs or takes runAt', () => {
    expect(resolveEnqueueOptions({ delayMs: 1_500 }, defaults, now).runAt).toEqual(
      new Date(now.getTime() + 1_500),
    )
    const runAt = new Date(now.getTime() + 60_000)
    expect(resolveEnqueueOptions({ runAt }, defaults, now).runAt).toBe(runAt)
  })

  it('names the field, the rule and the value of every broken rule', () => {
    expect(messageOf({ priority: Number.NaN })).toBe('options.priority must be a finite integer, got NaN')
    expect(messageOf({ priority: 1.5 })).toBe('options.priority must be a finite integer, got 1.5')
    expect(messageOf({ delayMs: -1 })).toBe('options.delayMs must be a finite number >= 0, got -1')
    expect(messageOf({ delayMs: 1, runAt: now })).toBe(
      'options.delayMs must not be given together with runAt, got 1',
    )
    expect(messageOf({ runAt: new Date('x') })).toBe('options.runAt must be a valid Date, got Invalid Date')
    expect(messageOf({ runAt: '2030-01-01' })).toBe('options.runAt must be a valid Date, got "2030-01-01"')
    expect(messageOf({ maxAttempts: 0 })).toBe('options.maxAttempts must be an integer >= 1, got 0')
    expect(messageOf({ timeoutMs: 0 })).toBe('options.timeoutMs must be a positive finite number, got 0')
    expect(messageOf({ timeoutMs: Number.POSITIVE_INFINITY })).toBe(
      'options.timeoutMs must be a positive finite number, got Infinity',
    )
    expect(messageOf({ dedupeKey: '' })).toBe('options.dedupeKey must be a non-empty string, got ""')
    expect(messageOf({ dedupeKey: { $gt: '' } })).toBe(
      'options.dedupeKey must be a non-empty string, got an object',
    )
    expect(messageOf({ dedupeKey: 'k'.repeat(513) })).toMatch(
      /^options\.dedupeKey must be at most 512 characters long/,
    )
    expect(messageOf({ dedupeKey: 'k', dedupeScope: 'active' })).toBe(
      "options.dedupeScope must be one of 'pending', 'pending+active', got \"active\"",
    )
    expect(messageOf({ dedupeScope: 'pending' })).toBe(
      'options.dedupeScope must only be given together with dedupeKey, got "pending"',
    )
    expect(messageOf({ metadata: { traceparent: 1 } })).toBe(
      'options.metadata.traceparent must be a string, got 1',
    )
    expect(messageOf({ metadata: 'x' })).toBe('options.metadata must be a plain object of strings, got "x"')
    expect(messageOf({ delay: 100 })).toMatch(
      /^options\.delay is not a known option \(known: priority, delayMs/,
    )
    expect(messageOf('fast')).toBe('options must be a plain object, got "fast"')
  })

  it('rejects a backoff function, explaining where functions go', () => {
    expect(messageOf({ backoff: () => 100 })).toMatch(/functions can only be given to process\(\)/)
  })

  it('validates backoff specs', () => {
    expect(messageOf({ backoff: { type: 'linear' } })).toBe(
      "options.backoff.type must be one of 'exponential', 'fixed', got \"linear\"",
    )
    expect(messageOf({ backoff: { type: 'exponential', baseMs: 1_000, maxMs: 10 } })).toBe(
      'options.backoff.maxMs must be at least options.backoff.baseMs (1000), got 10',
    )
    expect(messageOf({ backoff: { type: 'fixed', delayMs: -5 } })).toBe(
      'options.backoff.delayMs must be a finite number >= 0, got -5',
    )
    expect(
      resolveEnqueueOptions({ backoff: { type: 'exponential', baseMs: 10, maxMs: 100 } }, defaults, now)
        .backoff,
    ).toEqual({
      type: 'exponential',
      baseMs: 10,
      maxMs: 100,
      jitter: 'full',
    })
  })

  it('applies queue defaults and merges metadata, the call winning per key', () => {
    const queueDefaults = resolveEnqueueDefaults({
      priority: 5,
      maxAttempts: 9,
      dedupeScope: 'pending',
      metadata: { app: 'a', env: 'prod' },
    })
    const resolved = resolveEnqueueOptions({ dedupeKey: 'k', metadata: { env: 'test' } }, queueDefaults, now)
    expect(resolved).toMatchObject({
      priority: 5,
      maxAttempts: 9,
      dedupeScope: 'pending',
      metadata: { app: 'a', env: 'test' },
    })
    // The default scope applies only with a key.
    expect(resolveEnqueueOptions({}, queueDefaults, now).dedupeScope).toBeNull()
  })

  it('rejects options defaults cannot hold', () => {
    expect(() => resolveEnqueueDefaults({ dedupeKey: 'k' } as never)).toThrow(
      /^defaultEnqueueOptions\.dedupeKey is not a known option/,
    )
    expect(() => resolveEnqueueDefaults({ limitKey: 'tenant:1' } as never)).toThrow(
      /^defaultEnqueueOptions\.limitKey is not a known option/,
    )
  })

  it('takes a limit key of 1 to 200 characters without control characters', () => {
    expect(resolveEnqueueOptions({ limitKey: 'tenant:42' }, defaults, now).limitKey).toBe('tenant:42')
    expect(resolveEnqueueOptions({ limitKey: 'k'.repeat(200) }, defaults, now).limitKey).toHaveLength(200)
    expect(messageOf({ limitKey: '' })).toBe('options.limitKey must be a non-empty string, got ""')
    expect(messageOf({ limitKey: 'k'.repeat(201) })).toMatch(
      /^options\.limitKey must be at most 200 characters long/,
    )
    expect(messageOf({ limitKey: { $ne: null } })).toBe(
      'options.limitKey must be a non-empty string, got an object',
    )
    expect(messageOf({ limitKey: 'tenant\n1' })).toBe(
      'options.limitKey must not contain control characters (U+000A at index 6), got "tenant\\n1"',
    )
  })
})
