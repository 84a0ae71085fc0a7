import type { OccurrenceJob } from '../../backend.js'
import type { DedupeScope } from '../../job.js'
import { occurrenceKey, SCHEDULE_METADATA, type Schedule, scheduleDedupeKey } from '../../schedule.js'
import type { PlannedRun } from './plan-fire.js'
import { occurrenceJitterMs } from './time-engine.js'

/** The dedupe scope that enforces each overlap policy through the backend's dedupe keys. */
export function overlapDedupeScope(overlap: Schedule['definition']['overlap']): DedupeScope | null {
  switch (overlap) {
    case 'allow':
      return null
    case 'skip':
      // Nothing with the key may be pending or active: the occurrence is skipped.
      return 'pending+active'
    case 'buffer-one':
    case 'cancel-running':
      // One may wait behind the running one, and it starts only when that one ended.
      return 'pending'
  }
}

/** The job one occurrence (or a manual trigger, `at === null`) of a schedule enqueues. */
export function occurrenceJob(schedule: Schedule, at: Date | null, caughtUp: boolean, now: Date) {
  const { definition } = schedule
  const scope = overlapDedupeScope(definition.overlap)
  const metadata: Record<string, string> = {
    ...definition.options.metadata,
    [SCHEDULE_METADATA.schedule]: schedule.id,
    [SCHEDULE_METADATA.occurrence]: at === null ? 'manual' : at.toISOString(),
  }
  if (caughtUp) metadata[SCHEDULE_METADATA.caughtUp] = 'true'
  const runAt =
    at === null ? now : new Date(at.getTime() + occurrenceJitterMs(schedule.id, at, definition.jitterMs))
  return {
    type: definition.type,
    data: structuredClone(definition.data),
    priority: definition.options.priority,
    runAt,
    maxAttempts: definition.options.maxAttempts,
    backoff: structuredClone(definition.options.backoff),
    timeoutMs: definition.options.timeoutMs,
    dedupeKey: scope === null ? null : scheduleDedupeKey(schedule.id),
    dedupeScope: scope,
    metadata,
  }
}

/** One job per planned run, each with its occurrence key. */
export function buildOccurrenceJobs(schedule: Schedule, runs: PlannedRun[]): OccurrenceJob[] {
  return runs.map((run) => ({
    ...occurrenceJob(schedule, run.at, run.caughtUp, run.at),
    occurrenceKey: occurrenceKey(schedule.id, run.at),
  }))
}
