import { describe, expect, it } from 'vitest'
import { between, cronIn, preview, transitions } from './dst-test-helpers.js'

// Europe/London: GMT (UTC+0) in winter, BST (UTC+1) in summer. EU rules: clocks change at 01:00Z
// on the last Sunday of March (29 March 2026, 28 March 2027; 01:00 GMT -> 02:00 BST) and of
// October (25 October 2026, 31 October 2027; 02:00 BST -> 01:00 GMT).
// The gap is 01:00-02:00 local; the repeated hour 01:00-02:00 local.
const zone = 'Europe/London'

describe(`occurrences in ${zone}`, () => {
  it('reads the published 2026-2027 transitions from the tz database', () => {
    expect(transitions(zone, 2026, 2028)).toEqual([
      '2026-03-29T01:00:00.000Z 0 -> 1',
      '2026-10-25T01:00:00.000Z 1 -> 0',
      '2027-03-28T01:00:00.000Z 0 -> 1',
      '2027-10-31T01:00:00.000Z 1 -> 0',
    ])
  })

  it('runs a daily 01:30 in the gap once, right after the gap (02:00 BST)', () => {
    const daily = cronIn(zone, '30 1 * * *')
    expect(preview(daily, '2026-03-28T00:00:00Z', 3)).toEqual([
      '2026-03-28T01:30:00.000Z', // 01:30 GMT
      '2026-03-29T01:00:00.000Z', // 01:30 does not exist: 02:00 BST
      '2026-03-30T00:30:00.000Z', // 01:30 BST
    ])
    expect(preview(daily, '2027-03-27T00:00:00Z', 3)).toEqual([
      '2027-03-27T01:30:00.000Z',
      '2027-03-28T01:00:00.000Z',
      '2027-03-29T00:30:00.000Z',
    ])
  })

  it('runs a daily 01:30 in the repeated hour once, in the first pass (BST)', () => {
    const daily = cronIn(zone, '30 1 * * *')
    expect(preview(daily, '2026-10-24T00:00:00Z', 3)).toEqual([
      '2026-10-24T00:30:00.000Z', // 01:30 BST
      '2026-10-25T00:30:00.000Z', // 01:30 BST, not 01:30Z (01:30 GMT)
      '2026-10-26T01:30:00.000Z', // 01:30 GMT
    ])
    expect(preview(daily, '2027-10-30T00:00:00Z', 3)).toEqual([
      '2027-10-30T00:30:00.000Z',
      '2027-10-31T00:30:00.000Z',
      '2027-11-01T01:30:00.000Z',
    ])
  })

  it('runs every 15 minutes in absolute time across both transitions', () => {
    const quarterly = cronIn(zone, '*/15 * * * *')
    // 00:30 GMT, 00:45 GMT, then 02:00 BST
    expect(between(quarterly, '2026-03-29T00:30:00Z', '2026-03-29T01:30:00Z')).toEqual([
      '2026-03-29T00:30:00.000Z',
      '2026-03-29T00:45:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T01:15:00.000Z',
      '2026-03-29T01:30:00.000Z',
    ])
    // 01:00-01:45 BST, then 01:00-01:30 GMT
    expect(between(quarterly, '2027-10-31T00:00:00Z', '2027-10-31T01:30:00Z')).toEqual([
      '2027-10-31T00:00:00.000Z',
      '2027-10-31T00:15:00.000Z',
      '2027-10-31T00:30:00.000Z',
      '2027-10-31T00:45:00.000Z',
      '2027-10-31T01:00:00.000Z',
      '2027-10-31T01:15:00.000Z',
      '2027-10-31T01:30:00.000Z',
    ])
  })

  it('runs an every-hour cron in both passes of the repeated hour', () => {
    // 00:00 BST, 01:00 BST, 01:00 GMT, 02:00 GMT
    expect(between(cronIn(zone, '0 * * * *'), '2026-10-24T23:00:00Z', '2026-10-25T02:00:00Z')).toEqual([
      '2026-10-24T23:00:00.000Z',
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T01:00:00.000Z',
      '2026-10-25T02:00:00.000Z',
    ])
  })

  it('reads a 6-field cron to the second', () => {
    // Every 20 seconds follows absolute time straight through the gap.
    expect(between(cronIn(zone, '*/20 * * * * *'), '2026-03-29T00:59:20Z', '2026-03-29T01:00:40Z')).toEqual([
      '2026-03-29T00:59:20.000Z',
      '2026-03-29T00:59:40.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T01:00:20.000Z',
      '2026-03-29T01:00:40.000Z',
    ])
    // 01:30:30 daily: in the gap it runs at 02:00:00 BST, in the repeated hour in the first pass.
    const daily = cronIn(zone, '30 30 1 * * *')
    expect(preview(daily, '2026-03-28T00:00:00Z', 3)).toEqual([
      '2026-03-28T01:30:30.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:30:30.000Z',
    ])
    expect(preview(daily, '2026-10-24T12:00:00Z', 2)).toEqual([
      '2026-10-25T00:30:30.000Z',
      '2026-10-26T01:30:30.000Z',
    ])
  })
})
