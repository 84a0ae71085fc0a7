import type { ScheduleInfo } from '@durabl/core'
import { describe, expect, it } from 'vitest'
import { renderSchedule, renderScheduleTable, scheduleForDisplay, summarizeSchedule } from './schedule.js'

const at = new Date('2030-01-01T12:00:00.000Z')
// biome-ignore lint/suspicious/noControlCharactersInRegex: checking that none are printed
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/

function schedule(fields: Partial<ScheduleInfo> = {}, definition: Partial<ScheduleInfo['definition']> = {}) {
  const info: ScheduleInfo = {
    id: 'morning-report',
    definition: {
      cron: '0 9 * * 1-5',
      everyMs: null,
      timezone: 'Europe/Paris',
      type: 'report',
      data: { secret: 'personal' },
      options: {
        priority: 0,
        maxAttempts: 3,
        backoff: { type: 'fixed', delayMs: 1_000 },
        timeoutMs: null,
        metadata: {},
      },
      overlap: 'allow',
      catchUp: { policy: 'all', graceMs: 60_000, windowMs: 86_400_000, maxRuns: 10 },
      jitterMs: 30_000,
      startAt: null,
      endAt: null,
      limit: 20,
      ...definition,
    },
    definitionHash: 'd',
    timingHash: 't',
    nextRunAt: new Date('2030-01-02T08:00:00Z'),
    paused: false,
    runs: 4,
    skipped: 0,
    missed: 0,
    lastRunAt: new Date('2030-01-01T08:00:00Z'),
    lastEnqueuedAt: new Date('2030-01-01T08:00:01.500Z'),
    lastJobId: '6b03d7547f43c8c5118dad12',
    owner: 'worker-1',
    managed: true,
    undeclaredSince: at,
    createdAt: at,
    updatedAt: at,
    rev: 7,
    lagMs: 1_500,
    ...fields,
  }
  return info
}

describe('schedule formatting', () => {
  it('shows a cron with its own zone, and every time in the chosen one', () => {
    const [, row] = renderScheduleTable([schedule()], 'Europe/Paris').split('\n')
    expect(row?.split(/\s{2,}/)).toEqual([
      'morning-report',
      'report',
      'cron 0 9 * * 1-5',
      'Europe/Paris',
      'no',
      '2030-01-02T09:00:00+01:00',
      '2030-01-01T09:00:00+01:00',
      '4',
      '0',
      '0',
      '1s',
    ])
    const text = renderSchedule(schedule(), {
      includeData: false,
      timeZone: 'Europe/Paris',
      nextOccurrences: [new Date('2030-01-02T08:00:00Z')],
      nextCount: 5,
    })
    expect(text).toMatch(/^ {2}timing +cron 0 9 \* \* 1-5$/m)
    expect(text).toMatch(/^ {2}time zone +Europe\/Paris$/m)
    expect(text).toMatch(/^ {2}catch-up +all, grace 1m, window 1d, at most 10 runs a pass$/m)
    expect(text).toMatch(/^ {2}jitter +up to 30s$/m)
    expect(text).toMatch(/^ {2}limit +20 runs$/m)
    expect(text).toMatch(/^ {2}managed +yes, no longer declared since 2030-01-01T13:00:00\+01:00$/m)
    expect(text).toContain(
      'next 1 occurrence (Europe/Paris, the last before it ends):\n  2030-01-02T09:00:00+01:00',
    )
    expect(text).not.toContain('secret')
  })

  it('escapes control characters of stored text in the table and the details', () => {
    const hostile = schedule(
      { id: 'id\u001b[2J', owner: 'w\u202eevil' },
      {
        type: 'mail\nFORGED',
        options: { ...schedule().definition.options, metadata: { 'te\tam': 'a\u009b' } },
      },
    )
    const table = renderScheduleTable([hostile], 'UTC')
    expect(table.split('\n')).toHaveLength(2)
    expect(table).not.toMatch(RAW_CONTROL)
    const text = renderSchedule(hostile, {
      includeData: true,
      timeZone: 'UTC',
      nextOccurrences: [],
      nextCount: 5,
    })
    expect(text).not.toMatch(RAW_CONTROL)
    expect(text).toContain('schedule id\\x1b[2J (mail\\nFORGED)')
    expect(text).toContain('te\\tam=a\\x9b')
    expect(text).toContain('w\\u202eevil')
    expect(text).toContain('no further occurrences: the schedule ended')
  })

  it('keeps the payload out of summaries and out of JSON unless asked', () => {
    expect(JSON.stringify(summarizeSchedule(schedule()))).not.toContain('personal')
    const hidden = scheduleForDisplay(schedule(), { includeData: false, nextOccurrences: [] })
    expect(JSON.stringify(hidden)).not.toContain('personal')
    const shown = scheduleForDisplay(schedule(), { includeData: true, nextOccurrences: [] })
    expect((shown.definition as { data: unknown }).data).toEqual({ secret: 'personal' })
  })
})
