import { type BackoffSpec, type Job, type JobError, redactSecrets } from '@durabl/core'
import { formatDurationMs } from './durations.js'
import { safeJson, safeLines, safeText } from './safe-text.js'
import { renderTable } from './table.js'
import { formatTime, inlineJson, truncate } from './values.js'

/**
 * What `jobs list` shows of a job. No payload (`data`) and no `result`: they may hold personal
 * data, and `jobs show --data` is the one place that prints them.
 */
export interface JobSummary {
  id: string
  type: string
  state: Job['state']
  priority: number
  attempts: number
  maxAttempts: number
  runAt: Date
  createdAt: Date
  updatedAt: Date
  startedAt: Date | null
  finishedAt: Date | null
  dedupeKey: string | null
  workerId: string | null
  lastError: { attempt: number; name: string; message: string; code: string | null; at: Date } | null
}

export function summarizeJob(job: Job): JobSummary {
  const lastError = job.lastError
  return {
    id: job.id,
    type: job.type,
    state: job.state,
    priority: job.priority,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    runAt: job.runAt,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    dedupeKey: job.dedupeKey,
    workerId: job.workerId,
    lastError:
      lastError === null
        ? null
        : {
            attempt: lastError.attempt,
            name: lastError.name,
            message: redactSecrets(lastError.message),
            code: lastError.code,
            at: lastError.at,
          },
  }
}

/**
 * The job as `jobs show --json` prints it: every stored field except the lease token (a fencing
 * token, of no use to a reader), with `data` and `result` only when asked for.
 */
export function jobForDisplay(job: Job, includeData: boolean): Record<string, unknown> {
  const { leaseToken: _leaseToken, data, result, ...rest } = job
  const shown = {
    ...rest,
    lastError: rest.lastError && redactError(rest.lastError),
    errors: rest.errors.map(redactError),
    logs: rest.logs.map((entry) => ({ ...entry, message: redactSecrets(entry.message) })),
  }
  return includeData ? { ...shown, data, result } : shown
}

/**
 * Errors and logs stored before redaction existed (or by another writer) may still hold secrets:
 * the CLI redacts them again when it prints them, in tables, details and `--json` alike.
 */
function redactError(error: JobError): JobError {
  return {
    ...error,
    message: redactSecrets(error.message),
    stack: error.stack === null ? null : redactSecrets(error.stack),
  }
}

export function renderJobTable(jobs: Job[]): string {
  return renderTable(
    [
      { header: 'ID' },
      { header: 'TYPE' },
      { header: 'STATE' },
      { header: 'ATTEMPTS', align: 'right' },
      { header: 'RUN AT' },
      { header: 'UPDATED' },
      { header: 'LAST ERROR' },
    ],
    jobs.map((job) => [
      job.id,
      job.type,
      job.state,
      `${job.attempts}/${job.maxAttempts}`,
      formatTime(job.runAt),
      formatTime(job.updatedAt),
      listedError(job),
    ]),
  )
}

/**
 * The LAST ERROR cell: empty for a completed job (an error of an earlier attempt is history, not
 * its state; `jobs show` lists it), else the last failed attempt's name and message.
 */
function listedError(job: Job): string {
  if (job.lastError === null || job.state === 'completed') return ''
  return truncate(`${job.lastError.name}: ${redactSecrets(job.lastError.message)}`, 60)
}

/** `fixed 1s`, `exponential from 1s up to 1h, full jitter`. */
export function describeBackoff(backoff: BackoffSpec): string {
  if (backoff.type === 'fixed') return `fixed ${formatDurationMs(backoff.delayMs)}`
  const jitter = backoff.jitter === 'full' ? ', full jitter' : ''
  return `exponential from ${formatDurationMs(backoff.baseMs)} up to ${formatDurationMs(backoff.maxMs)}${jitter}`
}

function describeError(error: JobError): string {
  const code = error.code === null ? '' : ` [${error.code}]`
  const fatal = error.fatal ? ' (fatal)' : ''
  return `${error.name}: ${redactSecrets(error.message)}${code}${fatal}`
}

/** Indents each line of untrusted multi-line text (a stack), redacted and escaping each line. */
function indent(text: string, by = '    '): string {
  return safeLines(redactSecrets(text))
    .map((line) => by + line)
    .join('\n')
}

/** The full text rendering of `jobs show`. */
export function renderJob(job: Job, options: { includeData: boolean; now: Date }): string {
  const fields: Array<[string, string]> = [
    ['state', job.state],
    ['attempts', `${job.attempts} of ${job.maxAttempts}`],
    ['priority', String(job.priority)],
    ['run at', formatTime(job.runAt)],
    ['created at', formatTime(job.createdAt)],
    ['updated at', formatTime(job.updatedAt)],
    ['started at', formatTime(job.startedAt)],
    ['finished at', formatTime(job.finishedAt)],
  ]
  if (job.state === 'active') {
    const left =
      job.leaseExpiresAt === null
        ? ''
        : ` (in ${formatDurationMs(job.leaseExpiresAt.getTime() - options.now.getTime())})`
    fields.push(['worker', job.workerId ?? '-'])
    fields.push(['lease expires', `${formatTime(job.leaseExpiresAt)}${left}`])
  }
  if (job.cancelRequestedAt !== null) fields.push(['cancel requested', formatTime(job.cancelRequestedAt)])
  fields.push(['timeout', job.timeoutMs === null ? 'none' : formatDurationMs(job.timeoutMs)])
  fields.push(['backoff', describeBackoff(job.backoff)])
  fields.push(['dedupe key', job.dedupeKey === null ? '-' : `${job.dedupeKey} (scope ${job.dedupeScope})`])
  fields.push([
    'progress',
    job.progress === null || job.progress === undefined ? '-' : inlineJson(job.progress),
  ])
  const metadata = Object.entries(job.metadata ?? {})
  fields.push([
    'metadata',
    metadata.length === 0 ? '-' : metadata.map(([key, value]) => `${key}=${value}`).join(', '),
  ])

  // Every value printed below that came from the database goes through safeText.
  const width = Math.max(...fields.map(([label]) => label.length))
  const lines = [
    `job ${safeText(job.id)} (${safeText(job.type)})`,
    ...fields.map(([label, value]) => `  ${label.padEnd(width)}  ${safeText(value)}`),
  ]

  if (job.lastError !== null) {
    lines.push('', `last error (attempt ${job.lastError.attempt}, ${formatTime(job.lastError.at)}):`)
    lines.push(`  ${safeText(describeError(job.lastError))}`)
    if (job.lastError.stack) lines.push(indent(job.lastError.stack))
  }
  if (job.errors.length > 0) {
    lines.push('', `errors (${job.errors.length}, oldest first):`)
    for (const error of job.errors) {
      lines.push(
        `  #${error.attempt}  ${formatTime(error.at)}  ${safeText(truncate(describeError(error), 200))}`,
      )
    }
  }
  if (job.logs.length > 0) {
    lines.push('', `logs (${job.logs.length}, oldest first):`)
    for (const entry of job.logs)
      lines.push(
        `  ${formatTime(entry.at)}  [attempt ${entry.attempt}]  ${safeText(redactSecrets(entry.message))}`,
      )
  }
  lines.push('')
  if (options.includeData) {
    lines.push(`data:   ${safeJson(JSON.stringify(job.data, null, 2))}`)
    lines.push(`result: ${safeJson(JSON.stringify(job.result ?? null, null, 2))}`)
  } else {
    lines.push('data and result hidden: they may hold personal data (pass --data to show them)')
  }
  return lines.join('\n')
}
