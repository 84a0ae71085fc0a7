import { describe, expect, it } from 'vitest'
import { formatTimeIn } from './zoned-time.js'

describe('formatTimeIn', () => {
  const winter = new Date('2030-01-15T12:00:00.250Z')
  const summer = new Date('2030-07-15T12:00:00Z')

  it('prints UTC as the other commands do, ending in Z', () => {
    expect(formatTimeIn(winter, 'UTC')).toBe('2030-01-15T12:00:00Z')
  })

  it.each([
    ['Europe/Paris', winter, '2030-01-15T13:00:00+01:00'],
    ['Europe/Paris', summer, '2030-07-15T14:00:00+02:00'],
    ['America/New_York', winter, '2030-01-15T07:00:00-05:00'],
    ['Asia/Kolkata', winter, '2030-01-15T17:30:00+05:30'],
    ['Europe/London', winter, '2030-01-15T12:00:00+00:00'],
    ['Pacific/Chatham', winter, '2030-01-16T01:45:00+13:45'],
  ])('prints %s with its offset at that instant', (zone, time, expected) => {
    expect(formatTimeIn(time, zone)).toBe(expected)
  })

  it('shows the date change across midnight and the hour a DST change skips', () => {
    // 2030-03-31 01:00 UTC: Paris jumps from 02:00 (+01:00) to 03:00 (+02:00).
    expect(formatTimeIn(new Date('2030-03-31T00:59:59Z'), 'Europe/Paris')).toBe('2030-03-31T01:59:59+01:00')
    expect(formatTimeIn(new Date('2030-03-31T01:00:00Z'), 'Europe/Paris')).toBe('2030-03-31T03:00:00+02:00')
    expect(formatTimeIn(new Date('2030-01-01T00:00:00Z'), 'Europe/London')).toBe('2030-01-01T00:00:00+00:00')
    expect(formatTimeIn(new Date('2030-01-01T03:00:00Z'), 'America/Los_Angeles')).toBe(
      '2029-12-31T19:00:00-08:00',
    )
  })

  it('prints - for no time', () => {
    expect(formatTimeIn(null, 'Europe/Paris')).toBe('-')
  })
})
