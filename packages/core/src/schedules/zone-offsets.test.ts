import { describe, expect, it } from 'vitest'
import { offsetSpanAt, wallClockInstants, zoneOffsetMs } from './zone-offsets.js'

const HOUR_MS = 3_600_000

describe('zone offsets', () => {
  it('reads offsets from the tz database, including half hours and old local mean times', () => {
    expect(zoneOffsetMs('America/New_York', Date.UTC(2026, 0, 15))).toBe(-5 * HOUR_MS)
    expect(zoneOffsetMs('America/New_York', Date.UTC(2026, 6, 15))).toBe(-4 * HOUR_MS)
    expect(zoneOffsetMs('Asia/Kolkata', Date.UTC(2026, 0, 15))).toBe(5.5 * HOUR_MS)
    // Kolkata kept Madras local mean time (+05:21:10) until 1941.
    expect(zoneOffsetMs('Asia/Kolkata', Date.UTC(1900, 0, 1))).toBe((5 * 3_600 + 21 * 60 + 10) * 1_000)
    expect(offsetSpanAt('UTC', Date.UTC(2026, 0, 1))).toEqual({
      startMs: -Infinity,
      endMs: Infinity,
      offsetMs: 0,
    })
  })

  it('maps a wall-clock reading to one instant, two, or the end of a gap', () => {
    const zone = 'America/New_York'
    expect(wallClockInstants(zone, Date.UTC(2026, 2, 8, 1, 30))).toEqual({
      kind: 'single',
      instantMs: Date.UTC(2026, 2, 8, 6, 30),
    })
    expect(wallClockInstants(zone, Date.UTC(2026, 2, 8, 2, 0))).toEqual({
      kind: 'gap',
      gapEndMs: Date.UTC(2026, 2, 8, 7, 0),
    })
    expect(wallClockInstants(zone, Date.UTC(2026, 2, 8, 3, 0))).toEqual({
      kind: 'single',
      instantMs: Date.UTC(2026, 2, 8, 7, 0),
    })
    expect(wallClockInstants(zone, Date.UTC(2026, 10, 1, 1, 0))).toEqual({
      kind: 'repeated',
      earlierMs: Date.UTC(2026, 10, 1, 5, 0),
      laterMs: Date.UTC(2026, 10, 1, 6, 0),
      repeatedUntilWallMs: Date.UTC(2026, 10, 1, 2, 0),
    })
    expect(wallClockInstants(zone, Date.UTC(2026, 10, 1, 2, 0))).toEqual({
      kind: 'single',
      instantMs: Date.UTC(2026, 10, 1, 7, 0),
    })
  })

  it('joins the spans of one offset across a UTC new year (Sydney is in summer time then)', () => {
    expect(wallClockInstants('Australia/Sydney', Date.UTC(2027, 0, 1, 10, 0))).toEqual({
      kind: 'single',
      instantMs: Date.UTC(2026, 11, 31, 23, 0),
    })
  })
})
