import {
  type OccurrenceJob,
  occurrenceKey,
  SCHEDULE_METADATA,
  type ScheduleDefinition,
  type UpsertScheduleParams,
} from '@durabl/core'
import { newJob } from './new-job.js'

/** A stored definition with every default filled in; override any field. */
export function scheduleDefinition(overrides: Partial<ScheduleDefinition> = {}): ScheduleDefinition {
  return {
    cron: '*/5 * * * *',
    everyMs: null,
    timezone: 'UTC',
    type: 'report',
    data: { kind: 'daily' },
    options: {
      priority: 0,
      maxAttempts: 3,
      backoff: { type: 'fixed', delayMs: 1_000 },
      timeoutMs: null,
      metadata: {},
    },
    overlap: 'allow',
    catchUp: { policy: 'latest', graceMs: 60_000, windowMs: 86_400_000, maxRuns: 10 },
    jitterMs: 0,
    startAt: null,
    endAt: null,
    limit: null,
    ...overrides,
  }
}

/** What `sync()` or `upsert()` would pass; override any field. */
export function upsertParams(overrides: Partial<UpsertScheduleParams> = {}): UpsertScheduleParams {
  return {
    id: 'nightly',
    definition: scheduleDefinition(),
    definitionHash: 'def-1',
    timingHash: 'timing-1',
    nextRunAt: new Date('2040-01-01T00:05:00Z'),
    managed: false,
    now: new Date('2040-01-01T00:00:00Z'),
    ...overrides,
  }
}

/** The job of one occurrence of a schedule, as the runtime builds it. */
export function occurrenceJob(
  scheduleId: string,
  occurrence: Date,
  overrides: Partial<OccurrenceJob> = {},
): OccurrenceJob {
  return {
    ...newJob({
      type: 'report',
      runAt: occurrence,
      metadata: {
        [SCHEDULE_METADATA.schedule]: scheduleId,
        [SCHEDULE_METADATA.occurrence]: occurrence.toISOString(),
      },
    }),
    occurrenceKey: occurrenceKey(scheduleId, occurrence),
    ...overrides,
  }
}
