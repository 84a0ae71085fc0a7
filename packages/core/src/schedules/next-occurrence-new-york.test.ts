import { describe, expect, it } from 'vitest'
import { between, cronIn, preview, transitions } from './dst-test-helpers.js'
import { nextOccurrence } from './next-occurrence.js'
import { resolveScheduleDefinition } from './resolve-schedule-definition.js'

// America/New_York: EST (UTC-5) in winter, EDT (UTC-4) in summer. US rules: clocks go forward at
// 02:00 EST on the second Sunday of March (8 March 2026, 14 March 2027: 07:00Z) and back at
// 02:00 EDT on the first Sunday of November (1 November 2026, 7 November 2027: 06:00Z).
// The gap is 02:00-03:00 local; the repeated hour 01:00-02:00 local.
const zone = 'America/New_York'

describe(`occurrences in ${zone}`, () => {
  it('reads the published 2026-2027 transitions from the tz database', () => {
    expect(transitions(zone, 2026, 2028)).toEqual([
      '2026-03-08T07:00:00.000Z -5 -> -4',
      '2026-11-01T06:00:00.000Z -4 -> -5',
      '2027-03-14T07:00:00.000Z -5 -> -4',
      '2027-11-07T06:00:00.000Z -4 -> -5',
    ])
  })

  it('runs a daily 02:30 in the gap once, right after the gap (03:00 EDT)', () => {
    const daily = cronIn(zone, '30 2 * * *')
    expect(preview(daily, '2026-03-07T00:00:00Z', 3)).toEqual([
      '2026-03-07T07:30:00.000Z', // 02:30 EST
      '2026-03-08T07:00:00.000Z', // 02:30 does not exist: 03:00 EDT
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
    ])
    expect(preview(daily, '2027-03-13T00:00:00Z', 3)).toEqual([
      '2027-03-13T07:30:00.000Z',
      '2027-03-14T07:00:00.000Z',
      '2027-03-15T06:30:00.000Z',
    ])
  })

  it('runs the readings of one gap once together, for a cron that is not hourly', () => {
    // */15 in hour 2 only: 02:00, 02:15, 02:30 and 02:45 all fall in the gap.
    expect(preview(cronIn(zone, '*/15 2 * * *'), '2026-03-07T00:00:00Z', 6)).toEqual([
      '2026-03-07T07:00:00.000Z',
      '2026-03-07T07:15:00.000Z',
      '2026-03-07T07:30:00.000Z',
      '2026-03-07T07:45:00.000Z',
      '2026-03-08T07:00:00.000Z', // once, at 03:00 EDT
      '2026-03-09T06:00:00.000Z', // 02:00 EDT
    ])
    // 02:00 (in the gap) and 03:00 EDT are the same instant: one run.
    expect(preview(cronIn(zone, '0 2,3 * * *'), '2026-03-08T00:00:00Z', 3)).toEqual([
      '2026-03-08T07:00:00.000Z',
      '2026-03-09T06:00:00.000Z',
      '2026-03-09T07:00:00.000Z',
    ])
  })

  it('runs a daily 01:30 in the repeated hour once, in the first pass', () => {
    const daily = cronIn(zone, '30 1 * * *')
    expect(preview(daily, '2026-10-31T00:00:00Z', 3)).toEqual([
      '2026-10-31T05:30:00.000Z', // 01:30 EDT
      '2026-11-01T05:30:00.000Z', // 01:30 EDT, the first pass; not 06:30Z (01:30 EST)
      '2026-11-02T06:30:00.000Z', // 01:30 EST
    ])
    expect(preview(daily, '2027-11-06T00:00:00Z', 3)).toEqual([
      '2027-11-06T05:30:00.000Z',
      '2027-11-07T05:30:00.000Z',
      '2027-11-08T06:30:00.000Z',
    ])
    // Asked during the second pass (01:10 EST), the repeated 01:30 has already run.
    expect(nextOccurrence(daily, new Date('2026-11-01T06:10:00Z'))?.toISOString()).toBe(
      '2026-11-02T06:30:00.000Z',
    )
  })

  it('runs every reading of a non-hourly cron in the repeated hour once', () => {
    expect(preview(cronIn(zone, '*/15 1 * * *'), '2026-11-01T04:59:00Z', 5)).toEqual([
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T05:15:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T05:45:00.000Z',
      '2026-11-02T06:00:00.000Z', // the second pass (06:00Z-06:45Z) runs nothing
    ])
  })

  it('runs every 15 minutes in absolute time across both transitions', () => {
    const quarterly = cronIn(zone, '*/15 * * * *')
    // 01:30 EST, 01:45 EST, then 03:00 EDT: the gap has no instants.
    expect(between(quarterly, '2026-03-08T06:30:00Z', '2026-03-08T07:30:00Z')).toEqual([
      '2026-03-08T06:30:00.000Z',
      '2026-03-08T06:45:00.000Z',
      '2026-03-08T07:00:00.000Z',
      '2026-03-08T07:15:00.000Z',
      '2026-03-08T07:30:00.000Z',
    ])
    // 01:00-01:45 EDT, then 01:00-01:30 EST: both passes.
    expect(between(quarterly, '2026-11-01T05:00:00Z', '2026-11-01T06:30:00Z')).toEqual([
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T05:15:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T05:45:00.000Z',
      '2026-11-01T06:00:00.000Z',
      '2026-11-01T06:15:00.000Z',
      '2026-11-01T06:30:00.000Z',
    ])
    expect(between(quarterly, '2027-03-14T06:45:00Z', '2027-03-14T07:15:00Z')).toEqual([
      '2027-03-14T06:45:00.000Z',
      '2027-03-14T07:00:00.000Z',
      '2027-03-14T07:15:00.000Z',
    ])
    expect(between(quarterly, '2027-11-07T05:45:00Z', '2027-11-07T06:15:00Z')).toEqual([
      '2027-11-07T05:45:00.000Z',
      '2027-11-07T06:00:00.000Z',
      '2027-11-07T06:15:00.000Z',
    ])
  })

  it('runs an every-hour cron in both passes of the repeated hour and skips the gap', () => {
    const hourly = cronIn(zone, '30 * * * *')
    // 00:30 EST, 01:30 EST, (02:30 does not exist), 03:30 EDT, 04:30 EDT
    expect(between(hourly, '2026-03-08T05:00:00Z', '2026-03-08T09:00:00Z')).toEqual([
      '2026-03-08T05:30:00.000Z',
      '2026-03-08T06:30:00.000Z',
      '2026-03-08T07:30:00.000Z',
      '2026-03-08T08:30:00.000Z',
    ])
    // 00:30 EDT, 01:30 EDT, 01:30 EST, 02:30 EST
    expect(between(hourly, '2026-11-01T04:00:00Z', '2026-11-01T08:00:00Z')).toEqual([
      '2026-11-01T04:30:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T06:30:00.000Z',
      '2026-11-01T07:30:00.000Z',
    ])
  })

  it('runs everyMs in absolute time and ignores the zone', () => {
    const everyHour = resolveScheduleDefinition({ type: 'report', everyMs: 3_600_000, timezone: zone })
    expect(between(everyHour, '2026-11-01T04:00:00Z', '2026-11-01T07:00:00Z')).toEqual([
      '2026-11-01T04:00:00.000Z',
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T06:00:00.000Z',
      '2026-11-01T07:00:00.000Z',
    ])
    // Every 24 hours from 02:00 EST: after the shift the wall clock reads 03:00 EDT.
    const everyDay = resolveScheduleDefinition({
      type: 'report',
      everyMs: 86_400_000,
      timezone: zone,
      startAt: new Date('2026-03-07T07:00:00Z'),
    })
    expect(preview(everyDay, '2026-03-01T00:00:00Z', 3)).toEqual([
      '2026-03-07T07:00:00.000Z',
      '2026-03-08T07:00:00.000Z',
      '2026-03-09T07:00:00.000Z',
    ])
  })
})
