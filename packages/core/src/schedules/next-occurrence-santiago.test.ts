import { describe, expect, it } from 'vitest'
import { between, cronIn, preview, transitions } from './dst-test-helpers.js'

// America/Santiago: UTC-4 in winter, UTC-3 in summer (southern hemisphere), changing at midnight.
// Summer time ends on the first Sunday of April: at 00:00 (UTC-3) clocks go back to 23:00 on the
// Saturday (5 April 2026, 4 April 2027: 03:00Z), so Saturday 23:00-24:00 is repeated. It starts on
// the first Sunday of September: at 24:00 Saturday (UTC-4) clocks go to 01:00 Sunday (6 September
// 2026, 5 September 2027: 04:00Z), so Sunday 00:00-01:00 does not exist: midnight is in the gap.
const zone = 'America/Santiago'

describe(`occurrences in ${zone}`, () => {
  it('reads the published 2026-2027 transitions from the tz database', () => {
    expect(transitions(zone, 2026, 2028)).toEqual([
      '2026-04-05T03:00:00.000Z -3 -> -4',
      '2026-09-06T04:00:00.000Z -4 -> -3',
      '2027-04-04T03:00:00.000Z -3 -> -4',
      '2027-09-05T04:00:00.000Z -4 -> -3',
    ])
  })

  it('runs a daily midnight in the gap once, right after the gap (01:00 UTC-3)', () => {
    const midnight = cronIn(zone, '0 0 * * *')
    expect(preview(midnight, '2026-09-04T12:00:00Z', 3)).toEqual([
      '2026-09-05T04:00:00.000Z', // Saturday 00:00 UTC-4
      '2026-09-06T04:00:00.000Z', // Sunday 00:00 does not exist: 01:00 UTC-3
      '2026-09-07T03:00:00.000Z', // Monday 00:00 UTC-3
    ])
    expect(preview(midnight, '2027-09-03T12:00:00Z', 3)).toEqual([
      '2027-09-04T04:00:00.000Z',
      '2027-09-05T04:00:00.000Z',
      '2027-09-06T03:00:00.000Z',
    ])
    // On the day the clocks go back, Sunday's midnight is read once, after the repeated hour.
    expect(preview(midnight, '2026-04-03T12:00:00Z', 3)).toEqual([
      '2026-04-04T03:00:00.000Z', // Saturday 00:00 UTC-3
      '2026-04-05T04:00:00.000Z', // Sunday 00:00 UTC-4
      '2026-04-06T04:00:00.000Z',
    ])
  })

  it('runs a daily 23:30 in the repeated hour once, in the first pass (UTC-3)', () => {
    const daily = cronIn(zone, '30 23 * * *')
    expect(preview(daily, '2026-04-03T12:00:00Z', 3)).toEqual([
      '2026-04-04T02:30:00.000Z', // Friday 23:30 UTC-3
      '2026-04-05T02:30:00.000Z', // Saturday 23:30 UTC-3, not 03:30Z (23:30 UTC-4)
      '2026-04-06T03:30:00.000Z', // Sunday 23:30 UTC-4
    ])
    expect(preview(daily, '2027-04-02T12:00:00Z', 3)).toEqual([
      '2027-04-03T02:30:00.000Z',
      '2027-04-04T02:30:00.000Z',
      '2027-04-05T03:30:00.000Z',
    ])
  })

  it('runs every 15 minutes in absolute time across both transitions', () => {
    const quarterly = cronIn(zone, '*/15 * * * *')
    // 23:30 and 23:45 UTC-3, then 23:00-23:30 UTC-4
    expect(between(quarterly, '2026-04-05T02:30:00Z', '2026-04-05T03:30:00Z')).toEqual([
      '2026-04-05T02:30:00.000Z',
      '2026-04-05T02:45:00.000Z',
      '2026-04-05T03:00:00.000Z',
      '2026-04-05T03:15:00.000Z',
      '2026-04-05T03:30:00.000Z',
    ])
    // 23:30 and 23:45 UTC-4, then 01:00 UTC-3
    expect(between(quarterly, '2027-09-05T03:30:00Z', '2027-09-05T04:30:00Z')).toEqual([
      '2027-09-05T03:30:00.000Z',
      '2027-09-05T03:45:00.000Z',
      '2027-09-05T04:00:00.000Z',
      '2027-09-05T04:15:00.000Z',
      '2027-09-05T04:30:00.000Z',
    ])
  })

  it('runs an every-hour cron that has no instant for midnight in the gap', () => {
    // 22:00 and 23:00 UTC-4, (00:00 does not exist), 01:00 and 02:00 UTC-3
    expect(between(cronIn(zone, '0 * * * *'), '2026-09-06T02:00:00Z', '2026-09-06T05:00:00Z')).toEqual([
      '2026-09-06T02:00:00.000Z',
      '2026-09-06T03:00:00.000Z',
      '2026-09-06T04:00:00.000Z',
      '2026-09-06T05:00:00.000Z',
    ])
    // Every minute of hour 0 only is not hourly: the whole hour is in the gap and runs once.
    expect(preview(cronIn(zone, '* 0 * * *'), '2026-09-05T04:58:00Z', 3)).toEqual([
      '2026-09-05T04:59:00.000Z',
      '2026-09-06T04:00:00.000Z',
      '2026-09-07T03:00:00.000Z',
    ])
  })
})
