import { ValidationError } from '../errors/validation-error.js'
import type { ScheduleDefinition } from '../schedule.js'
import { resolveEnqueueDefaults } from '../validation/resolve-enqueue-options.js'
import { rejectUnknownKeys, requireOptionsObject } from '../validation/rules.js'

const SCHEDULE_JOB_OPTION_KEYS = ['priority', 'maxAttempts', 'backoff', 'timeoutMs', 'metadata'] as const

/** Enqueue options a schedule decides itself, and why each is refused in `options`. */
const OWNED_BY_THE_SCHEDULE: Record<string, string> = {
  dedupeKey: "is not allowed in a schedule's options: the schedule's overlap policy owns dedupe",
  dedupeScope: "is not allowed in a schedule's options: the schedule's overlap policy owns dedupe",
  delayMs:
    "is not allowed in a schedule's options: each occurrence decides when its job is due (use jitterMs to spread runs)",
  runAt:
    "is not allowed in a schedule's options: each occurrence decides when its job is due (use startAt for the first run)",
}

/**
 * The job options a schedule stores for its jobs, checked by the same rules as `enqueue()`'s
 * options and filled with `DEFAULTS`. `timeoutMs: null` counts as left out.
 */
export function resolveScheduleJobOptions(input: unknown, field: string): ScheduleDefinition['options'] {
  const options = requireOptionsObject(field, input)
  for (const [key, reason] of Object.entries(OWNED_BY_THE_SCHEDULE)) {
    if (options[key] !== undefined) throw new ValidationError(`${field}.${key}`, reason, options[key])
  }
  rejectUnknownKeys(field, options, SCHEDULE_JOB_OPTION_KEYS)
  const { timeoutMs, ...rest } = options
  const resolved = resolveEnqueueDefaults(timeoutMs === null ? rest : options, field)
  return {
    priority: resolved.priority,
    maxAttempts: resolved.maxAttempts,
    backoff: { ...resolved.backoff },
    timeoutMs: resolved.timeoutMs,
    metadata: resolved.metadata,
  }
}
