import type { ScheduleDefinition, ScheduleInfo } from '@durabl/core'
import { formatDurationMs, formatExactDurationMs } from './durations.js'
import { describeBackoff } from './job.js'
import { safeJson, safeText } from './safe-text.js'
import { renderTable } from './table.js'
import { formatTimeIn } from './zoned-time.js'

/**
 * What `schedules list` shows of a schedule: where it stands, never its payload (`data` may hold
 * personal data; `schedules show --data` is the one place that prints it).
 */
export interface ScheduleSummary {
  id: string
  type: string
  cron: string | null
  everyMs: number | null
  timezone: string
  paused: boolean
  /** No next run: `limit` reached or past `endAt`. */
  ended: boolean
  nextRunAt: Date | null
  lastRunAt: Date | null
  lastEnqueuedAt: Date | null
  /** From the newest run's occurrence instant to its enqueue. */
  lagMs: number | null
  runs: number
  skipped: number
  missed: number
  lastJobId: string | null
  managed: boolean
}

export function summarizeSchedule(schedule: ScheduleInfo): ScheduleSummary {
  const { definition } = schedule
  return {
    id: schedule.id,
    type: definition.type,
    cron: definition.cron,
    everyMs: definition.everyMs,
    timezone: definition.timezone,
    paused: schedule.paused,
    ended: schedule.nextRunAt === null,
    nextRunAt: schedule.nextRunAt,
    lastRunAt: schedule.lastRunAt,
    lastEnqueuedAt: schedule.lastEnqueuedAt,
    lagMs: schedule.lagMs,
    runs: schedule.runs,
    skipped: schedule.skipped,
    missed: schedule.missed,
    lastJobId: schedule.lastJobId,
    managed: schedule.managed,
  }
}

/** `cron 0 9 * * 1-5` or `every 1h30m`. */
export function describeTiming(definition: ScheduleDefinition): string {
  if (definition.cron !== null) return `cron ${definition.cron}`
  return definition.everyMs === null ? '-' : `every ${formatExactDurationMs(definition.everyMs)}`
}

/** The time zone column: a cron's zone; an interval runs in absolute time, so it has none. */
function zoneOf(definition: ScheduleDefinition): string {
  return definition.cron === null ? '-' : definition.timezone
}

/** The stored next run is stale while paused (resuming recomputes it from then). */
function nextRunText(schedule: ScheduleInfo, timeZone: string): string {
  if (schedule.nextRunAt === null) return 'ended'
  if (schedule.paused) return '-'
  return formatTimeIn(schedule.nextRunAt, timeZone)
}

export function renderScheduleTable(schedules: ScheduleInfo[], timeZone: string): string {
  return renderTable(
    [
      { header: 'ID' },
      { header: 'TYPE' },
      { header: 'SCHEDULE' },
      { header: 'TZ' },
      { header: 'PAUSED' },
      { header: 'NEXT RUN' },
      { header: 'LAST RUN' },
      { header: 'RUNS', align: 'right' },
      { header: 'SKIPPED', align: 'right' },
      { header: 'MISSED', align: 'right' },
      { header: 'LAG', align: 'right' },
    ],
    schedules.map((schedule) => [
      schedule.id,
      schedule.definition.type,
      describeTiming(schedule.definition),
      zoneOf(schedule.definition),
      schedule.paused ? 'yes' : 'no',
      nextRunText(schedule, timeZone),
      formatTimeIn(schedule.lastRunAt, timeZone),
      String(schedule.runs),
      String(schedule.skipped),
      String(schedule.missed),
      schedule.lagMs === null ? '-' : formatDurationMs(schedule.lagMs),
    ]),
  )
}

/**
 * The schedule as `schedules show --json` prints it: every stored field, the latest lag and the
 * next occurrences, with the definition's `data` only when asked for.
 */
export function scheduleForDisplay(
  schedule: ScheduleInfo,
  options: { includeData: boolean; nextOccurrences: Date[] },
): Record<string, unknown> {
  const { data, ...definition } = schedule.definition
  return {
    ...schedule,
    definition: options.includeData ? { ...definition, data } : definition,
    nextOccurrences: options.nextOccurrences,
  }
}

function describeCatchUp(catchUp: ScheduleDefinition['catchUp']): string {
  const grace = `grace ${formatDurationMs(catchUp.graceMs)}`
  if (catchUp.policy !== 'all') return `${catchUp.policy}, ${grace}`
  return `all, ${grace}, window ${formatDurationMs(catchUp.windowMs)}, at most ${catchUp.maxRuns} runs a pass`
}

function describeState(schedule: ScheduleInfo): string {
  if (schedule.nextRunAt === null) return 'ended (limit reached or past its end)'
  return schedule.paused ? 'paused' : 'active'
}

function describeManaged(schedule: ScheduleInfo, timeZone: string): string {
  if (!schedule.managed) return 'no (upsert)'
  if (schedule.undeclaredSince === null) return 'yes (declared by sync())'
  return `yes, no longer declared since ${formatTimeIn(schedule.undeclaredSince, timeZone)}`
}

export interface RenderScheduleOptions {
  includeData: boolean
  timeZone: string
  /** The `--next` occurrences from `queue.schedules.preview()`, and how many were asked for. */
  nextOccurrences: Date[]
  nextCount: number
}

/** The full text rendering of `schedules show`. */
export function renderSchedule(schedule: ScheduleInfo, options: RenderScheduleOptions): string {
  const { definition } = schedule
  const { timeZone } = options
  const time = (value: Date | null) => formatTimeIn(value, timeZone)
  const lastRun =
    schedule.lastRunAt === null
      ? '-'
      : `${time(schedule.lastRunAt)} (enqueued ${time(schedule.lastEnqueuedAt)}${
          schedule.lagMs === null ? '' : `, lag ${formatDurationMs(schedule.lagMs)}`
        })`
  const metadata = Object.entries(definition.options.metadata)
  const fields: Array<[string, string]> = [
    ['timing', describeTiming(definition)],
    ['time zone', zoneOf(definition)],
    ['state', describeState(schedule)],
    ['next run', nextRunText(schedule, timeZone)],
    ['last run', lastRun],
    ['last job', schedule.lastJobId ?? '-'],
    ['runs', String(schedule.runs)],
    ['skipped', String(schedule.skipped)],
    ['missed', String(schedule.missed)],
    ['overlap', definition.overlap],
    ['catch-up', describeCatchUp(definition.catchUp)],
    ['jitter', definition.jitterMs === 0 ? 'none' : `up to ${formatDurationMs(definition.jitterMs)}`],
    ['starts at', time(definition.startAt)],
    ['ends at', time(definition.endAt)],
    ['limit', definition.limit === null ? 'none' : `${definition.limit} runs`],
    ['priority', String(definition.options.priority)],
    ['max attempts', String(definition.options.maxAttempts)],
    ['backoff', describeBackoff(definition.options.backoff)],
    [
      'timeout',
      definition.options.timeoutMs === null ? 'none' : formatDurationMs(definition.options.timeoutMs),
    ],
    ['metadata', metadata.length === 0 ? '-' : metadata.map(([key, value]) => `${key}=${value}`).join(', ')],
    ['managed', describeManaged(schedule, timeZone)],
    ['owner', schedule.owner ?? '-'],
    ['created at', time(schedule.createdAt)],
    ['updated at', time(schedule.updatedAt)],
  ]
  // Every value printed below that came from the database goes through safeText.
  const width = Math.max(...fields.map(([label]) => label.length))
  const lines = [
    `schedule ${safeText(schedule.id)} (${safeText(definition.type)})`,
    ...fields.map(([label, value]) => `  ${label.padEnd(width)}  ${safeText(value)}`),
    '',
  ]
  if (options.nextOccurrences.length === 0) {
    lines.push('no further occurrences: the schedule ended')
  } else {
    const shown = options.nextOccurrences.length
    const short = shown < options.nextCount ? `, the last before it ends` : ''
    const paused = schedule.paused ? '; paused: they run only once it is resumed' : ''
    lines.push(`next ${shown} occurrence${shown === 1 ? '' : 's'} (${timeZone}${short}${paused}):`)
    for (const occurrence of options.nextOccurrences) lines.push(`  ${time(occurrence)}`)
  }
  lines.push('')
  if (options.includeData) lines.push(`data: ${safeJson(JSON.stringify(definition.data ?? null, null, 2))}`)
  else lines.push('data hidden: it may hold personal data (pass --data to show it)')
  return lines.join('\n')
}
