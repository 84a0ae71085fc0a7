import { execFile } from 'node:child_process'
import { statSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { binPath, ensureBuilt, runCli } from './support/run-cli.js'

beforeAll(ensureBuilt, 120_000)

/** Nothing listens here: a command that got as far as connecting would exit 1, not 2. */
const unreachable = ['--uri', 'mongodb://127.0.0.1:1/app?serverSelectionTimeoutMS=200']

describe('usage errors exit 2 before connecting', () => {
  it.each([
    [['bogus'], "unknown command 'bogus'"],
    [['stats', '--bogus'], "unknown option '--bogus'"],
    [['jobs'], 'Usage: durabl jobs'],
    [['jobs', 'show'], "missing required argument 'id'"],
    [['jobs', 'list', '--limit', 'ten'], '--limit must be a whole number from 1 to 1000, got "ten"'],
    [['jobs', 'list', '--limit', '0'], '--limit must be a whole number from 1 to 1000, got "0"'],
    [
      ['jobs', 'list', '--state', 'done'],
      '--state: unknown state "done"; allowed: pending, active, completed, failed, cancelled',
    ],
    [['jobs', 'list', '--cursor', 'nope'], '--cursor "nope" is not a job id'],
    [['jobs', 'show', '12345'], 'job id "12345" is not a job id: job ids are 24-character hex strings'],
    [['jobs', 'retry'], 'jobs retry: give job ids, or select jobs with --state and/or --type'],
    [
      ['jobs', 'retry', '--state', 'pending'],
      '--state: unknown state "pending"; allowed: completed, failed, cancelled',
    ],
    [['jobs', 'cancel', '--state', 'failed'], '--state: unknown state "failed"; allowed: pending, active'],
    [['jobs', 'purge', '--state', 'completed', '--older-than', '7'], '--older-than must be a duration'],
    [['stats', '--watch', '--interval-ms', '-5'], '--interval-ms must be a whole number'],
    [['stats', '--type', 'a,b'], 'stats --type takes one job type'],
    [['schedules'], 'Usage: durabl schedules'],
    [['schedules', 'show'], "missing required argument 'id'"],
    [
      ['schedules', 'list', '--tz', 'Mars/Olympus'],
      '--tz must be an IANA time zone such as UTC, Europe/Paris or America/New_York, got "Mars/Olympus"',
    ],
    [['schedules', 'show', 'digest', '--tz', ''], '--tz must be an IANA time zone'],
    [['schedules', 'resume', 'digest', '--tz', 'CET+1'], 'got "CET+1"'],
    [['schedules', 'show', 'digest', '--next', '0'], '--next must be a whole number from 1 to 1000, got "0"'],
    [['schedules', 'show', 'digest', '--next', 'five'], '--next must be a whole number from 1 to 1000'],
    [['schedules', 'pause', ''], 'schedule id "" is not a schedule id'],
    [['schedules', 'trigger', 'a\u001bb'], 'schedule id "a\\u001bb" is not a schedule id'],
    [['schedules', 'remove', 'x'.repeat(201)], 'ids are 1 to 200 characters without control characters'],
  ])('durabl %j', async (args, message) => {
    const result = await runCli([...args, ...unreachable])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(message)
    expect(result.stdout).toBe('')
  })

  it('needs a connection string', async () => {
    const result = await runCli(['stats'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('no MongoDB connection string: pass --uri <uri> or set MONGO_URL')
  })

  it('refuses an empty database name (none at all means "durabl")', async () => {
    const result = await runCli(['stats', '--uri', 'mongodb://127.0.0.1:1', '--db', ''])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(
      '--db (or MONGO_DB) must not be empty (without it the database is "durabl")',
    )
  })

  it('--help and --version exit 0', async () => {
    const help = await runCli(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: durabl [options] [command]')
    const purgeHelp = await runCli(['jobs', 'purge', '--help'])
    expect(purgeHelp.stdout).toContain('--older-than <duration>')
    const version = await runCli(['--version'])
    expect(version).toMatchObject({ code: 0, stdout: '0.0.0\n' })
  })
})

describe('the executable', () => {
  it('runs through its shebang, as the bin link runs it', async () => {
    expect(statSync(binPath).mode & 0o111).not.toBe(0)
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(binPath, ['--version'], (error, output) => (error ? reject(error) : resolve(output)))
    })
    expect(stdout).toBe('0.0.0\n')
  })
})
