import { describe, expect, it } from 'vitest'
import { between, cronIn, preview, transitions } from './dst-test-helpers.js'

// Australia/Lord_Howe shifts by 30 minutes: UTC+10:30 in winter, UTC+11 in summer. Summer time
// ends on the first Sunday of April at 02:00 (UTC+11) -> 01:30 (5 April 2026, 4 April 2027, local;
// 15:00Z the day before), so 01:30-02:00 is repeated. It starts on the first Sunday of October at
// 02:00 (UTC+10:30) -> 02:30 (4 October 2026, 3 October 2027, local; 15:30Z the day before), so
// 02:00-02:30 does not exist.
const zone = 'Australia/Lord_Howe'

describe(`occurrences in ${zone}`, () => {
  it('reads the published 2026-2027 transitions from the tz database', () => {
    expect(transitions(zone, 2026, 2028)).toEqual([
      '2026-04-04T15:00:00.000Z 11 -> 10.5',
      '2026-10-03T15:30:00.000Z 10.5 -> 11',
      '2027-04-03T15:00:00.000Z 11 -> 10.5',
      '2027-10-02T15:30:00.000Z 10.5 -> 11',
    ])
  })

  it('runs a daily 02:15 in the half-hour gap once, right after it (02:30 UTC+11)', () => {
    const daily = cronIn(zone, '15 2 * * *')
    expect(preview(daily, '2026-10-02T00:00:00Z', 3)).toEqual([
      '2026-10-02T15:45:00.000Z', // Saturday 02:15 UTC+10:30
      '2026-10-03T15:30:00.000Z', // Sunday 02:15 does not exist: 02:30 UTC+11
      '2026-10-04T15:15:00.000Z', // Monday 02:15 UTC+11
    ])
    expect(preview(daily, '2027-10-01T00:00:00Z', 3)).toEqual([
      '2027-10-01T15:45:00.000Z',
      '2027-10-02T15:30:00.000Z',
      '2027-10-03T15:15:00.000Z',
    ])
  })

  it('runs a daily 01:45 in the repeated half hour once, in the first pass (UTC+11)', () => {
    const daily = cronIn(zone, '45 1 * * *')
    expect(preview(daily, '2026-04-03T00:00:00Z', 3)).toEqual([
      '2026-04-03T14:45:00.000Z', // Saturday 01:45 UTC+11
      '2026-04-04T14:45:00.000Z', // Sunday 01:45 UTC+11, not 15:15Z (01:45 UTC+10:30)
      '2026-04-05T15:15:00.000Z', // Monday 01:45 UTC+10:30
    ])
    expect(preview(daily, '2027-04-02T00:00:00Z', 3)).toEqual([
      '2027-04-02T14:45:00.000Z',
      '2027-04-03T14:45:00.000Z',
      '2027-04-04T15:15:00.000Z',
    ])
    // 01:15 comes before the repeated half hour: read once, at UTC+11.
    expect(preview(cronIn(zone, '15 1 * * *'), '2026-04-04T00:00:00Z', 1)).toEqual([
      '2026-04-04T14:15:00.000Z',
    ])
  })

  it('runs every 15 minutes in absolute time across both transitions', () => {
    const quarterly = cronIn(zone, '*/15 * * * *')
    // 01:30 and 01:45 UTC+10:30, then 02:30 UTC+11
    expect(between(quarterly, '2026-10-03T15:00:00Z', '2026-10-03T16:00:00Z')).toEqual([
      '2026-10-03T15:00:00.000Z',
      '2026-10-03T15:15:00.000Z',
      '2026-10-03T15:30:00.000Z',
      '2026-10-03T15:45:00.000Z',
      '2026-10-03T16:00:00.000Z',
    ])
    // 01:30 and 01:45 UTC+11, then 01:30, 01:45 and 02:00 UTC+10:30
    expect(between(quarterly, '2027-04-03T14:30:00Z', '2027-04-03T15:30:00Z')).toEqual([
      '2027-04-03T14:30:00.000Z',
      '2027-04-03T14:45:00.000Z',
      '2027-04-03T15:00:00.000Z',
      '2027-04-03T15:15:00.000Z',
      '2027-04-03T15:30:00.000Z',
    ])
  })

  it('runs an every-hour cron on the local hour, whatever the shift does to UTC', () => {
    const onTheHour = cronIn(zone, '0 * * * *')
    // 00:00 and 01:00 UTC+10:30, (02:00 does not exist), 03:00 UTC+11
    expect(between(onTheHour, '2026-10-03T13:00:00Z', '2026-10-03T17:00:00Z')).toEqual([
      '2026-10-03T13:30:00.000Z',
      '2026-10-03T14:30:00.000Z',
      '2026-10-03T16:00:00.000Z',
      '2026-10-03T17:00:00.000Z',
    ])
    // 23:00, 00:00 and 01:00 UTC+11, then 02:00 and 03:00 UTC+10:30
    expect(between(onTheHour, '2026-04-04T12:00:00Z', '2026-04-04T17:00:00Z')).toEqual([
      '2026-04-04T12:00:00.000Z',
      '2026-04-04T13:00:00.000Z',
      '2026-04-04T14:00:00.000Z',
      '2026-04-04T15:30:00.000Z',
      '2026-04-04T16:30:00.000Z',
    ])
    // :30 each hour: 01:30 is read twice, 30 minutes apart.
    expect(between(cronIn(zone, '30 * * * *'), '2026-04-04T12:00:00Z', '2026-04-04T16:00:00Z')).toEqual([
      '2026-04-04T12:30:00.000Z',
      '2026-04-04T13:30:00.000Z',
      '2026-04-04T14:30:00.000Z', // 01:30 UTC+11
      '2026-04-04T15:00:00.000Z', // 01:30 UTC+10:30
      '2026-04-04T16:00:00.000Z', // 02:30 UTC+10:30
    ])
  })
})
