import { describe, expect, it } from 'vitest'
import { resolveScheduleDefinition } from './resolve-schedule-definition.js'
import { scheduleHashes } from './schedule-hashes.js'

describe('scheduleHashes', () => {
  const definition = resolveScheduleDefinition({
    type: 'report',
    cron: '0 9 * * *',
    timezone: 'Europe/London',
    data: { b: [1, { y: 2, x: 1 }], a: new Date('2026-01-01T00:00:00Z'), skipped: undefined },
    startAt: new Date('2026-01-01T00:00:00Z'),
  })

  it('is the same for equal definitions, whatever the key order', () => {
    const reordered = resolveScheduleDefinition({
      startAt: new Date('2026-01-01T00:00:00Z'),
      data: { a: new Date('2026-01-01T00:00:00Z'), b: [1, { x: 1, y: 2 }] },
      timezone: 'Europe/London',
      cron: '0 9 * * *',
      type: 'report',
    })
    expect(scheduleHashes(reordered)).toEqual(scheduleHashes(definition))
  })

  it('is stable across processes and versions (sha256 of canonical JSON)', () => {
    // Computed outside JavaScript: Python's json.dumps(definition, sort_keys=True,
    // separators=(',', ':')) with Dates as ISO strings, then hashlib.sha256(...).hexdigest().
    // timingHash is the hash of
    // {"cron":"0 9 * * *","endAt":null,"everyMs":null,"startAt":"2026-01-01T00:00:00.000Z","timezone":"Europe/London"}
    expect(scheduleHashes(definition)).toEqual({
      definitionHash: 'e4b27ad64063104a4133c1e19c39c53eb92f77c900c4bccf474c78f8d2fb5823',
      timingHash: '8e86f27360c1613c58cef01da4d4f264151a0cca12aea0ae4bbfbfd8b9cd1f69',
    })
  })

  it('changes the timing hash only with cron, everyMs, timezone, startAt or endAt', () => {
    const base = scheduleHashes(definition)
    const rest = {
      type: definition.type,
      data: definition.data,
      cron: definition.cron,
      timezone: definition.timezone,
      startAt: definition.startAt,
    }
    for (const change of [
      { data: { other: true } },
      { type: 'other' },
      { jitterMs: 5 },
      { overlap: 'skip' },
      { limit: 3 },
    ]) {
      const changed = scheduleHashes(resolveScheduleDefinition({ ...rest, ...change }))
      expect(changed.timingHash).toBe(base.timingHash)
      expect(changed.definitionHash).not.toBe(base.definitionHash)
    }
    for (const change of [
      { cron: '0 10 * * *' },
      { timezone: 'UTC' },
      { startAt: new Date('2026-01-02T00:00:00Z') },
      { endAt: new Date('2030-01-01T00:00:00Z') },
      { cron: undefined, everyMs: 60_000 },
    ]) {
      const changed = scheduleHashes(resolveScheduleDefinition({ ...rest, ...change }))
      expect(changed.timingHash).not.toBe(base.timingHash)
      expect(changed.definitionHash).not.toBe(base.definitionHash)
    }
  })
})
