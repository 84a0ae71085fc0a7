import {
  type Backend,
  JobQueue,
  type OccurrenceJob,
  occurrenceKey,
  SCHEDULE_METADATA,
  type ScheduleStore,
  scheduleDedupeKey,
  systemClock,
} from '@durabl/core'
import type { MongoHarness } from '@durabl/mongo-server/harness'
import { at, DAY, HOUR, MINUTE, SECOND, seededBackend } from './seed.js'

/** The time the schedules tests run the CLI at (`--now`). */
export const NOW = at(-90 * MINUTE)

/** A queue over `backend` on a clock the test moves by hand (never started). */
function queueAt(backend: Backend) {
  let current = at(-3 * HOUR - 30 * MINUTE)
  const queue = new JobQueue(backend, {
    workerId: 'seed-worker',
    clock: { ...systemClock, now: () => current },
  })
  return { queue, setNow: (time: Date) => (current = time) }
}

/**
 * Fires one pass of a schedule through the contract's `fireSchedule`, as a scheduler would:
 * one job per occurrence in `runs` (with the schedule's dedupe key under `overlap: 'skip'`),
 * `missed` more counted as missed, and the schedule advanced to `nextRunAt`.
 */
async function firePass(
  store: ScheduleStore,
  id: string,
  pass: { runs: Date[]; lastHandled: Date; missed: number; nextRunAt: Date | null; now: Date },
) {
  const schedule = await store.getSchedule({ id })
  if (schedule === null || schedule.nextRunAt === null) throw new Error(`cannot fire ${id}`)
  const { definition } = schedule
  const skip = definition.overlap === 'skip'
  const jobs: OccurrenceJob[] = pass.runs.map((occurrence) => ({
    type: definition.type,
    data: definition.data,
    priority: definition.options.priority,
    runAt: occurrence,
    maxAttempts: definition.options.maxAttempts,
    backoff: definition.options.backoff,
    timeoutMs: definition.options.timeoutMs,
    dedupeKey: skip ? scheduleDedupeKey(id) : null,
    dedupeScope: skip ? 'pending+active' : null,
    metadata: {
      ...definition.options.metadata,
      [SCHEDULE_METADATA.schedule]: id,
      [SCHEDULE_METADATA.occurrence]: occurrence.toISOString(),
    },
    occurrenceKey: occurrenceKey(id, occurrence),
  }))
  const result = await store.fireSchedule({
    id,
    expected: { nextRunAt: schedule.nextRunAt, rev: schedule.rev },
    jobs,
    advance: {
      nextRunAt: pass.nextRunAt,
      lastRunAt: pass.lastHandled,
      missed: pass.missed,
      owner: 'worker-1',
    },
    now: pass.now,
  })
  if (!result.advanced) throw new Error(`fireSchedule did not advance ${id}`)
  return result
}

/**
 * Three schedules, created at 08:30Z and seen at NOW (10:30Z):
 * - `hourly-digest` (every 1h, overlap skip, data and metadata): one pass at 10:00:02 enqueued
 *   09:00 and skipped 10:00 (the 09:00 job was pending): 1 run, 1 skipped, lag 2s; next 11:00.
 * - `weekly-report` (every 7d from the epoch, a Thursday; catch-up none): created 2029-12-01,
 *   its first 3 occurrences (Dec 6, 13, 20) missed, then paused at 10:15.
 * - `trial-reminder` (every 1h, limit 1): ran once at 10:00 and ended.
 */
export async function seedSchedules(mongo: MongoHarness) {
  const seeded = await seededBackend(mongo)
  const backend: Backend = seeded.backend
  const store = backend.schedules
  if (store === undefined) throw new Error('the backend has no schedule store')
  const { queue, setNow } = queueAt(backend)

  await queue.schedules.upsert('hourly-digest', {
    everyMs: HOUR,
    type: 'digest',
    data: { to: 'ops@example.com' },
    overlap: 'skip',
    options: { metadata: { team: 'ops' } },
  })
  // One late pass with two occurrences: the 09:00 job is written, and its dedupe key (overlap
  // 'skip') blocks the 10:00 one.
  await firePass(store, 'hourly-digest', {
    runs: [at(-3 * HOUR), at(-2 * HOUR)],
    lastHandled: at(-2 * HOUR),
    missed: 0,
    nextRunAt: at(-HOUR),
    now: at(-2 * HOUR + 2 * SECOND),
  })

  setNow(at(-31 * DAY))
  await queue.schedules.upsert('weekly-report', { everyMs: 7 * DAY, type: 'report', catchUp: 'none' })
  const weekly = await store.getSchedule({ id: 'weekly-report' })
  const firstWeekly = weekly?.nextRunAt as Date
  await firePass(store, 'weekly-report', {
    runs: [],
    lastHandled: new Date(firstWeekly.getTime() + 2 * 7 * DAY),
    missed: 3,
    nextRunAt: new Date(firstWeekly.getTime() + 3 * 7 * DAY),
    now: new Date(firstWeekly.getTime() + 2 * 7 * DAY + HOUR),
  })
  setNow(at(-105 * MINUTE))
  await queue.schedules.pause('weekly-report')

  setNow(at(-3 * HOUR - 30 * MINUTE))
  await queue.schedules.upsert('trial-reminder', { everyMs: HOUR, type: 'reminder', limit: 1 })
  await firePass(store, 'trial-reminder', {
    runs: [at(-2 * HOUR)],
    lastHandled: at(-2 * HOUR),
    missed: 0,
    nextRunAt: null,
    now: at(-2 * HOUR),
  })
  return { ...seeded, store, queue }
}

/** The connection flags for a seeded database, with `--now` at NOW. */
export function scheduleTarget(seeded: { uri: string; db: { databaseName: string } }): string[] {
  return ['--uri', seeded.uri, '--db', seeded.db.databaseName, '--now', NOW.toISOString()]
}
