import { type Job, pendingJobFields } from '@durabl/core'
import { describe, expect, it } from 'vitest'
import { jobForDisplay, renderJob, renderJobTable } from './job.js'
import { renderStatsTable } from './stats.js'

const at = new Date('2030-01-01T12:00:00.000Z')
// biome-ignore lint/suspicious/noControlCharactersInRegex: checking that none are printed
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/

function job(fields: Partial<Job> = {}): Job {
  const newJob = {
    type: 'email',
    data: null,
    priority: 0,
    runAt: at,
    maxAttempts: 3,
    backoff: { type: 'fixed' as const, delayMs: 200 },
    timeoutMs: null,
    dedupeKey: null,
    dedupeScope: null,
    metadata: {},
  }
  return { id: '6b03d7547f43c8c5118dad12', ...pendingJobFields(newJob, at), ...fields }
}

const hostileError = {
  attempt: 1,
  name: 'Error\u001b[31m',
  message: 'boom\nFAKE LINE\u009b2J',
  code: 'E\rX',
  stack: 'Error: boom\n    at \u001b]0;title\u0007 (x.js:1:1)',
  fatal: false,
  at,
}

describe('printing stored text', () => {
  it('escapes control characters in every table cell and every detail', () => {
    const hostile = job({
      type: 'mail\u001b[2J',
      state: 'failed',
      dedupeKey: 'key\nforged',
      workerId: 'w\u202eevil',
      metadata: { 'te\tnant': 'a\u0000' },
      lastError: hostileError,
      errors: [hostileError],
      logs: [{ attempt: 1, message: 'log\u001b[1m\nline', at }],
      progress: { step: 'x\u009b' },
    })
    const table = renderJobTable([hostile])
    expect(table.split('\n')).toHaveLength(2)
    expect(table).not.toMatch(RAW_CONTROL)
    expect(table).toContain('mail\\x1b[2J')

    const details = renderJob({ ...hostile, state: 'active' }, { includeData: true, now: at })
    expect(details).not.toMatch(RAW_CONTROL)
    expect(details).toContain('job 6b03d7547f43c8c5118dad12 (mail\\x1b[2J)')
    expect(details).toContain('key\\nforged (scope null)')
    expect(details).toContain('w\\u202eevil')
    expect(details).toContain('te\\tnant=a\\x00')
    expect(details).toContain('Error\\x1b[31m: boom\\nFAKE LINE\\x9b2J [E\\rX]')
    expect(details).toContain('    at \\x1b]0;title\\x07 (x.js:1:1)')
    expect(details).toContain('[attempt 1]  log\\x1b[1m\\nline')
    expect(details).not.toContain('\nFAKE LINE')

    const stats = renderStatsTable(
      {
        types: [
          {
            type: 'a\u001b[31m',
            pending: 0,
            due: 0,
            delayed: 0,
            active: 0,
            completed: 0,
            failed: 0,
            cancelled: 0,
            oldestDueAt: null,
          },
        ],
      } as never,
      at,
    )
    expect(stats).not.toMatch(RAW_CONTROL)
  })

  it('shows no last error for a completed job in the list (jobs show keeps the history)', () => {
    const error = { ...hostileError, name: 'TypeError', message: 'smtp said no', code: null, stack: null }
    const completed = job({ state: 'completed', lastError: error, errors: [error], attempts: 2 })
    const failed = job({ state: 'failed', lastError: error, errors: [error] })
    const [, completedRow, failedRow] = renderJobTable([completed, failed]).split('\n')
    expect(completedRow).not.toContain('smtp said no')
    expect(failedRow).toContain('TypeError: smtp said no')
    expect(renderJob(completed, { includeData: false, now: at })).toContain('smtp said no')
  })

  it('prints a fixed backoff under a second in milliseconds', () => {
    expect(renderJob(job(), { includeData: false, now: at })).toMatch(/backoff\s+fixed 200ms/)
  })
})

describe('secrets stored before redaction', () => {
  const leaky = {
    attempt: 1,
    name: 'MongoServerError',
    message: 'connect failed: mongodb://admin:hunter2@db.internal/app',
    code: null,
    stack: 'MongoServerError: connect failed: mongodb://admin:hunter2@db.internal/app\n    at x.js:1:1',
    fatal: false,
    at,
  }
  const stored = job({
    state: 'failed',
    lastError: leaky,
    errors: [leaky],
    logs: [{ attempt: 1, message: 'calling https://api.example.com/?token=s3cr3t', at }],
  })

  it('are redacted in the table, the details and --json', () => {
    const printed = [
      renderJobTable([stored]),
      renderJob(stored, { includeData: false, now: at }),
      JSON.stringify(jobForDisplay(stored, false)),
    ].join('\n')
    expect(printed).not.toContain('hunter2')
    expect(printed).not.toContain('s3cr3t')
    expect(printed).toContain('mongodb://***@db.internal/app')
  })
})
