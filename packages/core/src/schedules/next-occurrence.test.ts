import { afterEach, describe, expect, it } from 'vitest'
import { preview } from './dst-test-helpers.js'
import { nextOccurrence, occurrencesBetween, previewOccurrences } from './next-occurrence.js'
import { resolveScheduleDefinition } from './resolve-schedule-definition.js'

const at = (iso: string) => new Date(iso)
const iso = (date: Date | null) => date?.toISOString() ?? null

describe('nextOccurrence', () => {
  it('returns the first occurrence strictly after the instant', () => {
    const hourly = resolveScheduleDefinition({ type: 'report', cron: '0 * * * *' })
    expect(iso(nextOccurrence(hourly, at('2026-01-01T10:00:00Z')))).toBe('2026-01-01T11:00:00.000Z')
    expect(iso(nextOccurrence(hourly, at('2026-01-01T09:59:59.999Z')))).toBe('2026-01-01T10:00:00.000Z')
    const everyMinute = resolveScheduleDefinition({ type: 'report', everyMs: 60_000 })
    expect(iso(nextOccurrence(everyMinute, at('2026-01-01T10:00:00Z')))).toBe('2026-01-01T10:01:00.000Z')
    expect(iso(nextOccurrence(everyMinute, at('2026-01-01T10:00:59.999Z')))).toBe('2026-01-01T10:01:00.000Z')
  })

  it('counts everyMs from the Unix epoch, or from startAt', () => {
    const everySevenSeconds = resolveScheduleDefinition({ type: 'report', everyMs: 7_000 })
    // 1767225600000 ms (2026-01-01T00:00Z) is 252460800 * 7000 + 0: a multiple of 7 s.
    expect(preview(everySevenSeconds, '2026-01-01T00:00:00Z', 2)).toEqual([
      '2026-01-01T00:00:07.000Z',
      '2026-01-01T00:00:14.000Z',
    ])
    const fromStart = resolveScheduleDefinition({
      type: 'report',
      everyMs: 60_000,
      startAt: at('2026-01-01T10:00:00.500Z'),
    })
    // startAt itself is the first occurrence.
    expect(preview(fromStart, '2025-12-31T00:00:00Z', 2)).toEqual([
      '2026-01-01T10:00:00.500Z',
      '2026-01-01T10:01:00.500Z',
    ])
    expect(iso(nextOccurrence(fromStart, at('2026-01-01T10:00:00.500Z')))).toBe('2026-01-01T10:01:00.500Z')
  })

  it('runs nothing before startAt and nothing after endAt (inclusive)', () => {
    const hourly = resolveScheduleDefinition({
      type: 'report',
      cron: '0 * * * *',
      startAt: at('2026-01-01T10:30:00Z'),
      endAt: at('2026-01-01T13:00:00Z'),
    })
    expect(preview(hourly, '2026-01-01T00:00:00Z', 10)).toEqual([
      '2026-01-01T11:00:00.000Z',
      '2026-01-01T12:00:00.000Z',
      '2026-01-01T13:00:00.000Z',
    ])
    expect(nextOccurrence(hourly, at('2026-01-01T13:00:00Z'))).toBeNull()
    expect(nextOccurrence(hourly, at('2030-01-01T00:00:00Z'))).toBeNull()
    const startsOnTheHour = resolveScheduleDefinition({
      type: 'report',
      cron: '0 * * * *',
      startAt: at('2026-01-01T10:00:00Z'),
    })
    expect(iso(nextOccurrence(startsOnTheHour, at('2025-01-01T00:00:00Z')))).toBe('2026-01-01T10:00:00.000Z')
    const everyMs = resolveScheduleDefinition({
      type: 'report',
      everyMs: 3_600_000,
      endAt: at('2026-01-01T11:30:00Z'),
    })
    expect(preview(everyMs, '2026-01-01T09:30:00Z', 5)).toEqual([
      '2026-01-01T10:00:00.000Z',
      '2026-01-01T11:00:00.000Z',
    ])
  })

  it('applies startAt in absolute time and honours it in the zone of the cron', () => {
    // 09:00 in Sydney is 22:00Z (AEDT); a startAt between two such instants skips the first.
    const daily = resolveScheduleDefinition({
      type: 'report',
      cron: '0 9 * * *',
      timezone: 'Australia/Sydney',
      startAt: at('2026-01-01T22:00:00.001Z'),
    })
    expect(preview(daily, '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-02T22:00:00.000Z'])
  })

  it('ignores limit', () => {
    const limited = resolveScheduleDefinition({ type: 'report', everyMs: 1_000, limit: 1 })
    expect(previewOccurrences(limited, at('2026-01-01T00:00:00Z'), 3)).toHaveLength(3)
  })

  it('finds sparse crons years ahead', () => {
    const leapDay = resolveScheduleDefinition({
      type: 'report',
      cron: '0 12 29 2 *',
      timezone: 'Europe/London',
    })
    expect(preview(leapDay, '2026-01-01T00:00:00Z', 2)).toEqual([
      '2028-02-29T12:00:00.000Z',
      '2032-02-29T12:00:00.000Z',
    ])
    const everyHourOnLeapDay = resolveScheduleDefinition({
      type: 'report',
      cron: '0 * 29 2 *',
      timezone: 'America/New_York',
    })
    expect(preview(everyHourOnLeapDay, '2026-01-01T00:00:00Z', 1)).toEqual(['2028-02-29T05:00:00.000Z'])
  })

  it('answers at the ends of the Date range without throwing', () => {
    const daily = resolveScheduleDefinition({
      type: 'report',
      cron: '30 2 * * *',
      timezone: 'America/New_York',
    })
    // Croner reads no further than the year 9999.
    expect(nextOccurrence(daily, at('9999-12-31T12:00:00Z'))).toBeNull()
    expect(nextOccurrence(daily, new Date(8_640_000_000_000_000))).toBeNull()
    // New York kept local mean time (UTC-4:56:02) until 1883.
    expect(iso(nextOccurrence(daily, new Date(-8_640_000_000_000_000)))).toBe('0001-01-02T07:26:02.000Z')
    const everySecond = resolveScheduleDefinition({ type: 'report', everyMs: 1_000 })
    expect(nextOccurrence(everySecond, new Date(8_640_000_000_000_000))).toBeNull()
    // Without startAt, 1970 only sets the phase: occurrences run before it too.
    expect(iso(nextOccurrence(everySecond, at('1969-12-31T23:59:58.500Z')))).toBe('1969-12-31T23:59:59.000Z')
    expect(() => nextOccurrence(daily, new Date(Number.NaN))).toThrow(
      'after must be a valid Date, got Invalid Date',
    )
  })

  describe('does not depend on the process time zone', () => {
    const original = process.env.TZ
    afterEach(() => {
      if (original === undefined) delete process.env.TZ
      else process.env.TZ = original
    })

    it('gives the same instants under TZ=Asia/Kolkata and TZ=America/Los_Angeles', () => {
      const daily = resolveScheduleDefinition({
        type: 'report',
        cron: '30 2 * * *',
        timezone: 'America/New_York',
      })
      const results = ['Asia/Kolkata', 'America/Los_Angeles', 'UTC'].map((zone) => {
        process.env.TZ = zone
        return preview(daily, '2026-03-07T00:00:00Z', 3)
      })
      expect(results[0]).toEqual([
        '2026-03-07T07:30:00.000Z',
        '2026-03-08T07:00:00.000Z',
        '2026-03-09T06:30:00.000Z',
      ])
      expect(results[1]).toEqual(results[0])
      expect(results[2]).toEqual(results[0])
    })
  })
})

describe('occurrencesBetween', () => {
  const quarterly = resolveScheduleDefinition({ type: 'report', cron: '*/15 * * * *' })

  it('includes both ends and stops at max, oldest first', () => {
    const between = (from: string, to: string, max: number) =>
      occurrencesBetween(quarterly, at(from), at(to), max).map((date) => date.toISOString())
    expect(between('2026-01-01T10:00:00Z', '2026-01-01T10:30:00Z', 10)).toEqual([
      '2026-01-01T10:00:00.000Z',
      '2026-01-01T10:15:00.000Z',
      '2026-01-01T10:30:00.000Z',
    ])
    expect(between('2026-01-01T10:00:00Z', '2026-01-01T12:00:00Z', 2)).toEqual([
      '2026-01-01T10:00:00.000Z',
      '2026-01-01T10:15:00.000Z',
    ])
    expect(between('2026-01-01T10:00:00.001Z', '2026-01-01T10:14:59.999Z', 10)).toEqual([])
    expect(between('2026-01-01T12:00:00Z', '2026-01-01T10:00:00Z', 10)).toEqual([])
    expect(between('2026-01-01T10:00:00Z', '2026-01-01T12:00:00Z', 0)).toEqual([])
  })

  it('walks a long catch-up window', () => {
    const everySecond = resolveScheduleDefinition({
      type: 'report',
      cron: '* * * * * *',
      timezone: 'Europe/London',
    })
    const found = occurrencesBetween(
      everySecond,
      at('2026-03-29T00:00:00Z'),
      at('2026-03-29T02:00:00Z'),
      10_000,
    )
    expect(found).toHaveLength(7_201)
    expect(found.every((date, index) => date.getTime() === Date.UTC(2026, 2, 29) + index * 1_000)).toBe(true)
  })
})
