/**
 * The schedule time engine the runtime uses (TEMPORARY shim until packages/core/src/schedules lands:
 * everyMs only).
 */
import { createHash } from 'node:crypto'
import { ValidationError } from '../../errors/validation-error.js'
import type { ScheduleDefinition } from '../../schedule.js'

export function resolveScheduleDefinition(input: unknown, field = 'definition'): ScheduleDefinition {
  const value = input as Record<string, unknown>
  if (typeof value?.everyMs !== 'number')
    throw new ValidationError(`${field}.everyMs`, 'shim needs everyMs', value)
  const catchUp = (
    typeof value.catchUp === 'string' ? { policy: value.catchUp } : (value.catchUp ?? { policy: 'latest' })
  ) as Record<string, unknown>
  const options = (value.options ?? {}) as Record<string, unknown>
  return {
    cron: null,
    everyMs: value.everyMs,
    timezone: (value.timezone as string) ?? 'UTC',
    type: value.type as string,
    data: value.data ?? null,
    options: {
      priority: (options.priority as number) ?? 0,
      maxAttempts: (options.maxAttempts as number) ?? 3,
      backoff: { type: 'exponential', baseMs: 1_000, maxMs: 3_600_000, jitter: 'full' },
      timeoutMs: null,
      metadata: (options.metadata as Record<string, string>) ?? {},
    },
    overlap: (value.overlap as ScheduleDefinition['overlap']) ?? 'allow',
    catchUp: {
      policy: catchUp.policy as ScheduleDefinition['catchUp']['policy'],
      graceMs: (catchUp.graceMs as number) ?? 60_000,
      windowMs: (catchUp.windowMs as number) ?? 86_400_000,
      maxRuns: (catchUp.maxRuns as number) ?? 10,
    },
    jitterMs: (value.jitterMs as number) ?? 0,
    startAt: (value.startAt as Date) ?? null,
    endAt: (value.endAt as Date) ?? null,
    limit: (value.limit as number) ?? null,
  }
}

export function scheduleHashes(definition: ScheduleDefinition): {
  definitionHash: string
  timingHash: string
} {
  const hash = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex')
  const { cron, everyMs, timezone, startAt, endAt } = definition
  return { definitionHash: hash(definition), timingHash: hash({ cron, everyMs, timezone, startAt, endAt }) }
}

export function nextOccurrence(definition: ScheduleDefinition, after: Date): Date | null {
  const every = definition.everyMs as number
  const anchor = definition.startAt?.getTime() ?? 0
  const k = Math.max(0, Math.floor((after.getTime() - anchor) / every) + 1)
  const next = new Date(anchor + k * every)
  if (definition.endAt !== null && next > definition.endAt) return null
  return next
}

export function previewOccurrences(definition: ScheduleDefinition, after: Date, count: number): Date[] {
  const result: Date[] = []
  let cursor: Date | null = after
  while (result.length < count && cursor !== null) {
    cursor = nextOccurrence(definition, cursor)
    if (cursor !== null) result.push(cursor)
  }
  return result
}

export function occurrenceJitterMs(scheduleId: string, occurrence: Date, jitterMs: number): number {
  if (jitterMs <= 0) return 0
  const digest = createHash('sha256').update(`${scheduleId}@${occurrence.toISOString()}`).digest()
  return digest.readUInt32BE(0) % (jitterMs + 1)
}
