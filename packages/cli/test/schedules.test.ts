import { type Backend, JobQueue, SCHEDULE_METADATA } from '@durabl/core'
import { MongoBackend } from '@durabl/mongo'
import { useMongo } from '@durabl/mongo-server/harness'
import { describe, expect, it } from 'vitest'
import { type CliIo, main } from '../src/index.js'
import { NOW, scheduleTarget, seedSchedules } from './support/seed-schedules.js'

const mongo = await useMongo()

/**
 * Runs `durabl` in-process against the MongoDB target, stdin a terminal only when
 * `answer` is given, which the confirmation prompt then returns.
 */
async function run(args: string[], options: { answer?: boolean } = {}) {
  let stdout = ''
  let stderr = ''
  const questions: string[] = []
  const io: Partial<CliIo> = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin: { isTTY: options.answer !== undefined },
    env: {},
    confirm: async (question) => {
      questions.push(question)
      return options.answer ?? false
    },
  }
  const code = await main(['node', 'durabl', ...args], io)
  return { code, stdout, stderr, questions }
}

describe('durabl schedules list', () => {
  it('lists every schedule by id with timing, next and last run, counts and lag', async () => {
    const seeded = await seedSchedules(mongo)
    const result = await run(['schedules', 'list', ...scheduleTarget(seeded)])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    const lines = result.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(
      /^ID\s+TYPE\s+SCHEDULE\s+TZ\s+PAUSED\s+NEXT RUN\s+LAST RUN\s+RUNS\s+SKIPPED\s+MISSED\s+LAG$/,
    )
    expect(lines.slice(1).map((line) => line.split(/\s{2,}/))).toEqual([
      [
        'hourly-digest',
        'digest',
        'every 1h',
        '-',
        'no',
        '2030-01-01T11:00:00Z',
        '2030-01-01T10:00:00Z',
        '1',
        '1',
        '0',
        '2s',
      ],
      [
        'trial-reminder',
        'reminder',
        'every 1h',
        '-',
        'no',
        'ended',
        '2030-01-01T10:00:00Z',
        '1',
        '0',
        '0',
        '0s',
      ],
      ['weekly-report', 'report', 'every 7d', '-', 'yes', '-', '2029-12-20T00:00:00Z', '0', '0', '3', '-'],
    ])
    // The payload is never listed.
    expect(result.stdout).not.toContain('ops@example.com')
  })

  it('prints times in the --tz zone with their offset', async () => {
    const seeded = await seedSchedules(mongo)
    const result = await run(['schedules', 'list', '--tz', 'America/New_York', ...scheduleTarget(seeded)])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(
      /^hourly-digest .* 2030-01-01T06:00:00-05:00 {2}2030-01-01T05:00:00-05:00 /m,
    )
  })

  it('prints JSON without payloads, dates in UTC', async () => {
    const seeded = await seedSchedules(mongo)
    const result = await run(['schedules', 'list', '--json', '--tz', 'Asia/Tokyo', ...scheduleTarget(seeded)])
    expect(result.code).toBe(0)
    const { schedules } = JSON.parse(result.stdout)
    expect(schedules.map((schedule: { id: string }) => schedule.id)).toEqual([
      'hourly-digest',
      'trial-reminder',
      'weekly-report',
    ])
    expect(schedules[0]).toEqual({
      id: 'hourly-digest',
      type: 'digest',
      cron: null,
      everyMs: 3_600_000,
      timezone: 'UTC',
      paused: false,
      ended: false,
      nextRunAt: '2030-01-01T11:00:00.000Z',
      lastRunAt: '2030-01-01T10:00:00.000Z',
      lastEnqueuedAt: '2030-01-01T10:00:02.000Z',
      lagMs: 2_000,
      runs: 1,
      skipped: 1,
      missed: 0,
      lastJobId: expect.any(String),
      managed: false,
    })
    expect(schedules[1]).toMatchObject({ ended: true, nextRunAt: null })
    expect(schedules[2]).toMatchObject({ paused: true, missed: 3, lagMs: null })
  })

  it('says when there are none', async () => {
    const db = await mongo.db()
    const args = ['--uri', mongo.target.connectionString, '--db', db.databaseName]
    expect(await run(['schedules', 'list', ...args])).toMatchObject({ code: 0, stdout: 'no schedules\n' })
    expect(JSON.parse((await run(['schedules', 'list', '--json', ...args])).stdout)).toEqual({
      schedules: [],
    })
  })
})

describe('durabl schedules show', () => {
  it('shows the definition and the next 5 occurrences, the payload hidden', async () => {
    const seeded = await seedSchedules(mongo)
    const result = await run(['schedules', 'show', 'hourly-digest', ...scheduleTarget(seeded)])
    expect(result.code).toBe(0)
    const text = result.stdout
    expect(text).toMatch(/^schedule hourly-digest \(digest\)$/m)
    expect(text).toMatch(/^ {2}timing +every 1h$/m)
    expect(text).toMatch(/^ {2}state +active$/m)
    expect(text).toMatch(/^ {2}next run +2030-01-01T11:00:00Z$/m)
    expect(text).toMatch(/^ {2}last run +2030-01-01T10:00:00Z \(enqueued 2030-01-01T10:00:02Z, lag 2s\)$/m)
    expect(text).toMatch(/^ {2}overlap +skip$/m)
    expect(text).toMatch(/^ {2}catch-up +latest, grace 1m$/m)
    expect(text).toMatch(/^ {2}metadata +team=ops$/m)
    expect(text).toMatch(/^ {2}owner +worker-1$/m)
    expect(text).toContain(
      [
        'next 5 occurrences (UTC):',
        '  2030-01-01T11:00:00Z',
        '  2030-01-01T12:00:00Z',
        '  2030-01-01T13:00:00Z',
        '  2030-01-01T14:00:00Z',
        '  2030-01-01T15:00:00Z',
      ].join('\n'),
    )
    expect(text).toContain('data hidden: it may hold personal data (pass --data to show it)')
    expect(text).not.toContain('ops@example.com')
  })

  it('shows --next N occurrences in --tz, and the payload with --data', async () => {
    const seeded = await seedSchedules(mongo)
    const result = await run([
      'schedules',
      'show',
      'hourly-digest',
      '--next',
      '2',
      '--tz',
      'Asia/Kolkata',
      '--data',
      ...scheduleTarget(seeded),
    ])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(
      'next 2 occurrences (Asia/Kolkata):\n  2030-01-01T16:30:00+05:30\n  2030-01-01T17:30:00+05:30\n',
    )
    expect(result.stdout).toMatch(/^ {2}next run +2030-01-01T16:30:00\+05:30$/m)
    expect(result.stdout).toContain('"to": "ops@example.com"')
  })

  it('prints JSON with the next occurrences, the payload only with --data', async () => {
    const seeded = await seedSchedules(mongo)
    const hidden = JSON.parse(
      (await run(['schedules', 'show', 'hourly-digest', '--json', '--next', '3', ...scheduleTarget(seeded)]))
        .stdout,
    )
    expect(hidden).toMatchObject({
      id: 'hourly-digest',
      runs: 1,
      skipped: 1,
      lagMs: 2_000,
      definition: { type: 'digest', everyMs: 3_600_000, overlap: 'skip' },
      nextOccurrences: ['2030-01-01T11:00:00.000Z', '2030-01-01T12:00:00.000Z', '2030-01-01T13:00:00.000Z'],
    })
    expect(hidden.definition).not.toHaveProperty('data')
    const shown = JSON.parse(
      (await run(['schedules', 'show', 'hourly-digest', '--json', '--data', ...scheduleTarget(seeded)]))
        .stdout,
    )
    expect(shown.definition.data).toEqual({ to: 'ops@example.com' })
  })

  it('previews a paused schedule from now and says an ended one has no more', async () => {
    const seeded = await seedSchedules(mongo)
    const paused = await run(['schedules', 'show', 'weekly-report', '--next', '1', ...scheduleTarget(seeded)])
    expect(paused.stdout).toMatch(/^ {2}state +paused$/m)
    // Every 7 days from the epoch (a Thursday): the next one after NOW is Thursday 2030-01-03.
    expect(paused.stdout).toContain(
      'next 1 occurrence (UTC; paused: they run only once it is resumed):\n  2030-01-03T00:00:00Z',
    )
    const ended = await run(['schedules', 'show', 'trial-reminder', ...scheduleTarget(seeded)])
    expect(ended.stdout).toMatch(/^ {2}state +ended \(limit reached or past its end\)$/m)
    expect(ended.stdout).toContain('no further occurrences: the schedule ended')
  })

  it('fails with exit 1 for an unknown id', async () => {
    const seeded = await seedSchedules(mongo)
    const result = await run(['schedules', 'show', 'nope', ...scheduleTarget(seeded)])
    expect(result).toMatchObject({ code: 1, stdout: '' })
    expect(result.stderr).toContain('no schedule has id "nope" (durabl schedules list shows them)')
  })
})

describe('durabl schedules pause and resume', () => {
  it('pauses, says when it already is, and resumes from the next occurrence after now', async () => {
    const seeded = await seedSchedules(mongo)
    const target = scheduleTarget(seeded)
    const paused = await run(['schedules', 'pause', 'hourly-digest', ...target])
    expect(paused).toMatchObject({ code: 0 })
    expect(paused.stdout).toContain(
      'paused schedule hourly-digest: no occurrence is enqueued until it is resumed',
    )
    expect((await seeded.store.getSchedule({ id: 'hourly-digest' }))?.paused).toBe(true)
    expect((await run(['schedules', 'pause', 'hourly-digest', ...target])).stdout).toBe(
      'schedule hourly-digest was already paused\n',
    )

    const resumed = await run(['schedules', 'resume', 'weekly-report', '--tz', 'Europe/Paris', ...target])
    expect(resumed).toMatchObject({
      code: 0,
      stdout: 'resumed schedule weekly-report: next run 2030-01-03T01:00:00+01:00\n',
    })
    const stored = await seeded.store.getSchedule({ id: 'weekly-report' })
    expect(stored).toMatchObject({ paused: false, nextRunAt: new Date('2030-01-03T00:00:00Z'), missed: 3 })
    const again = JSON.parse(
      (await run(['schedules', 'resume', 'weekly-report', '--json', ...target])).stdout,
    )
    expect(again).toMatchObject({ changed: false, schedule: { id: 'weekly-report', paused: false } })
  })

  it('fails with exit 1 for an unknown id, changing nothing', async () => {
    const seeded = await seedSchedules(mongo)
    for (const args of [['pause'], ['resume'], ['trigger'], ['remove', '--yes']]) {
      const result = await run(['schedules', ...args, 'nope', ...scheduleTarget(seeded)])
      expect(result.code, args[0]).toBe(1)
      expect(result.stderr, args[0]).toContain('no schedule has id "nope"')
    }
    expect((await seeded.store.listSchedules({})).map((schedule) => schedule.id)).toEqual([
      'hourly-digest',
      'trial-reminder',
      'weekly-report',
    ])
  })
})

describe('durabl schedules trigger', () => {
  // `trigger` writes its job with MongoBackend.enqueueJobs: a second pending job with the same
  // dedupe key fails the backend's unique partial index with E11000 (mongod manual: "Unique
  // Indexes", "Partial Indexes"), which the backend reports as deduplicated.
  it('enqueues one run now with manual occurrence metadata', async () => {
    const seeded = await seedSchedules(mongo)
    const result = await run(['schedules', 'trigger', 'trial-reminder', '--json', ...scheduleTarget(seeded)])
    expect(result.code).toBe(0)
    const { scheduleId, jobId } = JSON.parse(result.stdout)
    expect(scheduleId).toBe('trial-reminder')
    const job = await (seeded.backend as Backend).getJob({ id: jobId })
    expect(job).toMatchObject({
      type: 'reminder',
      state: 'pending',
      runAt: NOW,
      metadata: { [SCHEDULE_METADATA.schedule]: 'trial-reminder', [SCHEDULE_METADATA.occurrence]: 'manual' },
    })
    // A manual run is not one of the timetable's runs.
    expect((await seeded.store.getSchedule({ id: 'trial-reminder' }))?.runs).toBe(1)
  })

  it('fails with exit 1, naming the overlap policy, when the previous run blocks it', async () => {
    const seeded = await seedSchedules(mongo)
    await seeded.queue.schedules.upsert('one-at-a-time', { everyMs: 60_000, type: 'sweep', overlap: 'skip' })
    const first = await run(['schedules', 'trigger', 'one-at-a-time', ...scheduleTarget(seeded)])
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(
      /^triggered schedule one-at-a-time: enqueued job (\S+) \(durabl jobs show \1\)$/m,
    )
    const second = await run(['schedules', 'trigger', 'one-at-a-time', ...scheduleTarget(seeded)])
    expect(second).toMatchObject({ code: 1, stdout: '' })
    expect(second.stderr).toMatch(
      /schedule one-at-a-time was not triggered: its overlap policy "skip" blocked the run while its previous run \(job \S+\) is pending or active/,
    )
  })
})

describe('durabl schedules remove', () => {
  it('refuses without a terminal and without --yes, and asks on a terminal', async () => {
    const seeded = await seedSchedules(mongo)
    const target = scheduleTarget(seeded)
    const refused = await run(['schedules', 'remove', 'hourly-digest', ...target])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(
      'refusing to remove schedule "hourly-digest" without confirmation: stdin is not a terminal; pass --yes to go ahead',
    )
    const declined = await run(['schedules', 'remove', 'hourly-digest', ...target], { answer: false })
    expect(declined).toMatchObject({ code: 1, questions: ['remove schedule "hourly-digest"?'] })
    expect(declined.stdout).toContain(
      'about to remove schedule hourly-digest (digest, every 1h, 1 run so far); jobs it enqueued stay',
    )
    expect(declined.stderr).toContain('aborted: nothing was changed')
    expect(await seeded.store.getSchedule({ id: 'hourly-digest' })).not.toBeNull()

    const accepted = await run(['schedules', 'remove', 'hourly-digest', ...target], { answer: true })
    expect(accepted.code).toBe(0)
    expect(accepted.stdout).toMatch(/removed schedule hourly-digest\n$/)
    expect(await seeded.store.getSchedule({ id: 'hourly-digest' })).toBeNull()
  })

  it('removes with --yes, warning that sync() declares it again', async () => {
    const seeded = await seedSchedules(mongo)
    await seeded.queue.schedules.sync([{ id: 'declared', everyMs: 60_000, type: 'sweep' }])
    const result = await run([
      'schedules',
      'remove',
      'declared',
      '--yes',
      '--json',
      ...scheduleTarget(seeded),
    ])
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({
      removed: true,
      schedule: { id: 'declared', managed: true },
    })
    expect(result.stderr).toContain(
      'it is declared by queue.schedules.sync(): the next sync() that declares it creates it again',
    )
    expect(await seeded.store.getSchedule({ id: 'declared' })).toBeNull()
  })
})

describe('durabl schedules --schedules-collection', () => {
  it("reads an application's schedules from the collection it named, and refuses a bad name", async () => {
    const db = await mongo.db()
    const uri = mongo.target.connectionString
    const backend = new MongoBackend({
      db,
      schedulesCollectionName: 'custom_schedules',
      useChangeStreams: false,
    })
    const queue = new JobQueue(backend, { schedules: { run: false }, workerRegistryIntervalMs: false })
    await queue.schedules.upsert('in-custom', { type: 'report', everyMs: 60_000 })
    const target = ['--uri', uri, '--db', db.databaseName]
    const custom = await run(['schedules', '--schedules-collection', 'custom_schedules', 'list', ...target])
    expect(custom).toMatchObject({ code: 0, stderr: '' })
    expect(custom.stdout).toContain('in-custom')
    const defaults = await run(['schedules', 'list', ...target])
    expect(defaults.stdout).not.toContain('in-custom')
    const bad = await run(['schedules', '--schedules-collection', 'a$b', 'list', ...target])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--schedules-collection must be a non-empty name without "$", got "a$b"')
  })
})
