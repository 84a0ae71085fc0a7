import { describe, expect, it } from 'vitest'
import { between, cronIn, preview, transitions } from './dst-test-helpers.js'

// Australia/Sydney: AEST (UTC+10) in winter, AEDT (UTC+11) in summer. Summer time ends on the first
// Sunday of April at 03:00 AEDT -> 02:00 AEST (5 April 2026, 4 April 2027, local; 16:00Z the day
// before), so 02:00-03:00 is repeated. It starts on the first Sunday of October at 02:00 AEST ->
// 03:00 AEDT (4 October 2026, 3 October 2027, local; 16:00Z the day before), so 02:00-03:00 does
// not exist.
const zone = 'Australia/Sydney'

describe(`occurrences in ${zone}`, () => {
  it('reads the published 2026-2027 transitions from the tz database', () => {
    expect(transitions(zone, 2026, 2028)).toEqual([
      '2026-04-04T16:00:00.000Z 11 -> 10',
      '2026-10-03T16:00:00.000Z 10 -> 11',
      '2027-04-03T16:00:00.000Z 11 -> 10',
      '2027-10-02T16:00:00.000Z 10 -> 11',
    ])
  })

  it('runs a daily 02:30 in the gap once, right after the gap (03:00 AEDT)', () => {
    const daily = cronIn(zone, '30 2 * * *')
    expect(preview(daily, '2026-10-02T00:00:00Z', 3)).toEqual([
      '2026-10-02T16:30:00.000Z', // Saturday 02:30 AEST
      '2026-10-03T16:00:00.000Z', // Sunday 02:30 does not exist: 03:00 AEDT
      '2026-10-04T15:30:00.000Z', // Monday 02:30 AEDT
    ])
    expect(preview(daily, '2027-10-01T00:00:00Z', 3)).toEqual([
      '2027-10-01T16:30:00.000Z',
      '2027-10-02T16:00:00.000Z',
      '2027-10-03T15:30:00.000Z',
    ])
  })

  it('runs a daily 02:30 in the repeated hour once, in the first pass (AEDT)', () => {
    const daily = cronIn(zone, '30 2 * * *')
    expect(preview(daily, '2026-04-03T00:00:00Z', 3)).toEqual([
      '2026-04-03T15:30:00.000Z', // Saturday 02:30 AEDT
      '2026-04-04T15:30:00.000Z', // Sunday 02:30 AEDT, not 16:30Z (02:30 AEST)
      '2026-04-05T16:30:00.000Z', // Monday 02:30 AEST
    ])
    expect(preview(daily, '2027-04-02T00:00:00Z', 3)).toEqual([
      '2027-04-02T15:30:00.000Z',
      '2027-04-03T15:30:00.000Z',
      '2027-04-04T16:30:00.000Z',
    ])
  })

  it('runs every 15 minutes in absolute time across both transitions', () => {
    const quarterly = cronIn(zone, '*/15 * * * *')
    // 01:30 and 01:45 AEST, then 03:00 AEDT
    expect(between(quarterly, '2026-10-03T15:30:00Z', '2026-10-03T16:30:00Z')).toEqual([
      '2026-10-03T15:30:00.000Z',
      '2026-10-03T15:45:00.000Z',
      '2026-10-03T16:00:00.000Z',
      '2026-10-03T16:15:00.000Z',
      '2026-10-03T16:30:00.000Z',
    ])
    // 02:30 and 02:45 AEDT, then 02:00-02:30 AEST
    expect(between(quarterly, '2026-04-04T15:30:00Z', '2026-04-04T16:30:00Z')).toEqual([
      '2026-04-04T15:30:00.000Z',
      '2026-04-04T15:45:00.000Z',
      '2026-04-04T16:00:00.000Z',
      '2026-04-04T16:15:00.000Z',
      '2026-04-04T16:30:00.000Z',
    ])
  })

  it('runs an every-hour cron in both passes of the repeated hour', () => {
    // 01:00 and 02:00 AEDT, then 02:00 and 03:00 AEST
    expect(between(cronIn(zone, '0 * * * *'), '2027-04-03T14:00:00Z', '2027-04-03T17:00:00Z')).toEqual([
      '2027-04-03T14:00:00.000Z',
      '2027-04-03T15:00:00.000Z',
      '2027-04-03T16:00:00.000Z',
      '2027-04-03T17:00:00.000Z',
    ])
    // 6 fields, every hour at :30:15: 01:30:15 AEST, (02:30:15 does not exist), 03:30:15 AEDT
    expect(between(cronIn(zone, '15 30 * * * *'), '2027-10-02T15:00:00Z', '2027-10-02T17:00:00Z')).toEqual([
      '2027-10-02T15:30:15.000Z',
      '2027-10-02T16:30:15.000Z',
    ])
  })
})
