/** The schedule time functions the runtime uses (packages/core/src/schedules). */
export { nextOccurrence, previewOccurrences } from '../../schedules/next-occurrence.js'
export { occurrenceJitterMs } from '../../schedules/occurrence-jitter.js'
export { resolveScheduleDefinition } from '../../schedules/resolve-schedule-definition.js'
export { scheduleHashes } from '../../schedules/schedule-hashes.js'
