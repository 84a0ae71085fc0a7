import { describe, expect, it } from 'vitest'
import { PayloadError } from '../errors/payload-error.js'
import { ValidationError } from '../errors/validation-error.js'
import { DEFAULTS } from '../options.js'
import { resolveScheduleDefinition } from './resolve-schedule-definition.js'
import { SCHEDULE_DEFAULTS } from './schedule-defaults.js'

function errorOf(input: unknown, field?: string): ValidationError {
  try {
    resolveScheduleDefinition(input, field)
  } catch (error) {
    if (ValidationError.isInstance(error)) return error
    throw error
  }
  throw new Error('expected a ValidationError')
}

describe('resolveScheduleDefinition', () => {
  it('fills in every default', () => {
    expect(resolveScheduleDefinition({ type: 'report', cron: '0 9 * * *' })).toEqual({
      cron: '0 9 * * *',
      everyMs: null,
      timezone: 'UTC',
      type: 'report',
      data: null,
      options: {
        priority: DEFAULTS.priority,
        maxAttempts: DEFAULTS.maxAttempts,
        backoff: DEFAULTS.backoff,
        timeoutMs: null,
        metadata: {},
      },
      overlap: 'allow',
      catchUp: { policy: 'latest', graceMs: 60_000, windowMs: 86_400_000, maxRuns: 10 },
      jitterMs: 0,
      startAt: null,
      endAt: null,
      limit: null,
    })
    expect(SCHEDULE_DEFAULTS.catchUp).toEqual({
      policy: 'latest',
      graceMs: 60_000,
      windowMs: 86_400_000,
      maxRuns: 10,
    })
  })

  it('keeps every field given, and resolves a resolved definition to an equal one', () => {
    const input = {
      everyMs: 300_000,
      timezone: 'Europe/London',
      type: 'sync',
      data: { account: 'a1', since: new Date('2026-01-01T00:00:00Z') },
      options: {
        priority: 5,
        maxAttempts: 1,
        backoff: { type: 'fixed', delayMs: 500 },
        timeoutMs: 10_000,
        metadata: { team: 'ops' },
      },
      overlap: 'skip',
      catchUp: { policy: 'all', graceMs: 0, windowMs: 3_600_000, maxRuns: 1_000 },
      jitterMs: 299_999,
      startAt: new Date('2026-01-01T00:00:00Z'),
      endAt: new Date('2027-01-01T00:00:00Z'),
      limit: 12,
    } as const
    const resolved = resolveScheduleDefinition(input)
    expect(resolved).toEqual({ ...input, cron: null })
    expect(resolved.startAt).not.toBe(input.startAt)
    expect(resolveScheduleDefinition(resolved)).toEqual(resolved)
    const cron = resolveScheduleDefinition({ type: 'report', cron: '*/5 * * * * *', catchUp: 'none' })
    expect(cron.catchUp).toEqual({ ...SCHEDULE_DEFAULTS.catchUp, policy: 'none' })
    expect(resolveScheduleDefinition(cron)).toEqual(cron)
  })

  it('accepts nicknames and 6-field crons with seconds', () => {
    expect(resolveScheduleDefinition({ type: 'report', cron: '@daily' }).cron).toBe('@daily')
    expect(resolveScheduleDefinition({ type: 'report', cron: '30 0 9 * * MON-FRI' }).cron).toBe(
      '30 0 9 * * MON-FRI',
    )
  })

  it('rejects an invalid cron, naming the field, the cron and what is wrong', () => {
    const outOfRange = errorOf({ type: 'report', cron: '61 * * * *' })
    expect(outOfRange.field).toBe('definition.cron')
    expect(outOfRange.message).toBe(
      'definition.cron is not a valid cron expression: Invalid value for minute: 61, got "61 * * * *"',
    )
    expect(errorOf({ type: 'report', cron: '0 0 9 * * * 2030' }).message).toBe(
      'definition.cron is not a valid cron expression: has 7 fields; a cron has 5 (minute hour day-of-month month day-of-week) or 6 with leading seconds, and no year field, got "0 0 9 * * * 2030"',
    )
    expect(errorOf({ type: 'report', cron: 'every day' }).message).toContain('has 2 fields')
    expect(errorOf({ type: 'report', cron: '0 0 30 2 *' }).message).toBe(
      'definition.cron never fires: no date matches it, got "0 0 30 2 *"',
    )
    expect(errorOf({ type: 'report', cron: '' }).message).toBe(
      'definition.cron must be a non-empty string, got ""',
    )
  })

  it('rejects a time zone Intl does not know, even for everyMs (which ignores it)', () => {
    const unknown = errorOf({ type: 'report', cron: '0 9 * * *', timezone: 'Mars/Olympus' })
    expect(unknown.field).toBe('definition.timezone')
    expect(unknown.message).toBe(
      'definition.timezone must be an IANA time zone such as "Europe/London" or "UTC", got "Mars/Olympus"',
    )
    expect(errorOf({ type: 'report', everyMs: 60_000, timezone: 'Mars/Olympus' }).field).toBe(
      'definition.timezone',
    )
  })

  it('rejects everyMs under a second', () => {
    const tooShort = errorOf({ type: 'report', everyMs: 500 })
    expect(tooShort.field).toBe('definition.everyMs')
    expect(tooShort.message).toBe(
      'definition.everyMs must be at least 1000: everyMs under a second is not supported, got 500',
    )
    expect(errorOf({ type: 'report', everyMs: 1_500.5 }).message).toBe(
      'definition.everyMs must be an integer >= 1000, got 1500.5',
    )
  })

  it('requires exactly one of cron and everyMs, naming both', () => {
    const both = errorOf({ type: 'report', cron: '0 9 * * *', everyMs: 60_000 })
    expect(both.field).toBe('definition.cron')
    expect(both.message).toBe(
      'definition.cron must not be given together with definition.everyMs (60000): give exactly one of cron and everyMs, got "0 9 * * *"',
    )
    expect(errorOf({ type: 'report' }).message).toBe(
      'definition must have exactly one of cron and everyMs, and has neither, got an object',
    )
  })

  it('prefixes every error with the field it is given', () => {
    expect(errorOf({ type: 'report', everyMs: 500 }, 'schedules[2]').message).toMatch(
      /^schedules\[2\]\.everyMs /,
    )
  })

  it('rejects options the schedule owns, saying why', () => {
    for (const key of ['dedupeKey', 'dedupeScope']) {
      const error = errorOf({ type: 'report', everyMs: 60_000, options: { [key]: 'x' } })
      expect(error.field).toBe(`definition.options.${key}`)
      expect(error.message).toContain('overlap policy owns dedupe')
    }
    expect(errorOf({ type: 'report', everyMs: 60_000, options: { delayMs: 5 } }).message).toContain(
      'jitterMs',
    )
    expect(errorOf({ type: 'report', everyMs: 60_000, options: { runAt: new Date() } }).message).toContain(
      'startAt',
    )
  })

  it('checks the job options by the enqueue rules', () => {
    expect(errorOf({ type: 'report', everyMs: 60_000, options: { priority: 1.5 } }).message).toBe(
      'definition.options.priority must be a finite integer, got 1.5',
    )
    expect(errorOf({ type: 'report', everyMs: 60_000, options: { maxAttempts: 0 } }).field).toBe(
      'definition.options.maxAttempts',
    )
    expect(errorOf({ type: 'report', everyMs: 60_000, options: { timeoutMs: -1 } }).field).toBe(
      'definition.options.timeoutMs',
    )
    expect(errorOf({ type: 'report', everyMs: 60_000, options: { metadata: { a: 1 } } }).field).toBe(
      'definition.options.metadata.a',
    )
    expect(errorOf({ type: 'report', everyMs: 60_000, options: { backoff: () => 1 } }).field).toBe(
      'definition.options.backoff',
    )
    expect(errorOf({ type: 'report', everyMs: 60_000, options: { session: {} } }).field).toBe(
      'definition.options.session',
    )
  })

  it('checks type, overlap, catchUp, limit and unknown keys', () => {
    expect(errorOf({ type: '', everyMs: 60_000 }).field).toBe('definition.type')
    expect(errorOf({ type: 'a\nb', everyMs: 60_000 }).message).toContain('control characters')
    expect(errorOf({ type: 'report', everyMs: 60_000, overlap: 'queue' }).message).toBe(
      "definition.overlap must be one of 'allow', 'skip', 'buffer-one', 'cancel-running', got \"queue\"",
    )
    expect(errorOf({ type: 'report', everyMs: 60_000, catchUp: 'some' }).field).toBe('definition.catchUp')
    expect(errorOf({ type: 'report', everyMs: 60_000, catchUp: { graceMs: 5 } }).field).toBe(
      'definition.catchUp.policy',
    )
    expect(errorOf({ type: 'report', everyMs: 60_000, catchUp: { policy: 'all', graceMs: -1 } }).field).toBe(
      'definition.catchUp.graceMs',
    )
    expect(errorOf({ type: 'report', everyMs: 60_000, catchUp: { policy: 'all', windowMs: -1 } }).field).toBe(
      'definition.catchUp.windowMs',
    )
    expect(
      errorOf({ type: 'report', everyMs: 60_000, catchUp: { policy: 'all', maxRuns: 1_001 } }).message,
    ).toBe('definition.catchUp.maxRuns must be an integer from 1 to 1000, got 1001')
    expect(errorOf({ type: 'report', everyMs: 60_000, catchUp: { policy: 'all', max: 5 } }).field).toBe(
      'definition.catchUp.max',
    )
    expect(errorOf({ type: 'report', everyMs: 60_000, limit: 0 }).message).toBe(
      'definition.limit must be an integer >= 1, got 0',
    )
    expect(errorOf({ type: 'report', everyMs: 60_000, every: 5 }).field).toBe('definition.every')
    expect(errorOf(null).message).toBe('definition must be a plain object, got null')
  })

  it('checks startAt before endAt', () => {
    const at = new Date('2026-06-01T00:00:00Z')
    expect(errorOf({ type: 'report', everyMs: 60_000, startAt: at, endAt: at }).message).toBe(
      'definition.endAt must be later than definition.startAt (2026-06-01T00:00:00.000Z), got 2026-06-01T00:00:00.000Z',
    )
    expect(errorOf({ type: 'report', everyMs: 60_000, startAt: new Date(Number.NaN) }).field).toBe(
      'definition.startAt',
    )
    expect(errorOf({ type: 'report', everyMs: 60_000, endAt: '2026-06-01' }).field).toBe('definition.endAt')
  })

  it('keeps jitterMs below the interval', () => {
    expect(errorOf({ type: 'report', everyMs: 60_000, jitterMs: 60_000 }).message).toBe(
      'definition.jitterMs must be less than everyMs (60000), or a jittered run could pass the next one, got 60000',
    )
    expect(errorOf({ type: 'report', cron: '*/15 * * * *', jitterMs: 900_000 }).message).toContain(
      'the shortest gap between two runs of the cron (900000 ms)',
    )
    expect(
      resolveScheduleDefinition({ type: 'report', cron: '0 9 * * 1', jitterMs: 3_600_000 }).jitterMs,
    ).toBe(3_600_000)
    expect(errorOf({ type: 'report', everyMs: 60_000, jitterMs: -1 }).field).toBe('definition.jitterMs')
  })

  it('checks data as enqueue does', () => {
    expect(() =>
      resolveScheduleDefinition({ type: 'report', everyMs: 60_000, data: { run: () => 1 } }),
    ).toThrow(PayloadError)
  })
})
