import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'

interface AssertionResult {
  fullName: string
  status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo'
}

interface JsonReport {
  testResults: Array<{ name: string; assertionResults: AssertionResult[] }>
}

const packageRoot = fileURLToPath(new URL('..', import.meta.url))
const vitestCli = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs')

/** Runs the suite against the fixture backends in a child vitest and returns its JSON report. */
async function runFixtures(): Promise<JsonReport> {
  const outputDirectory = await mkdtemp(join(tmpdir(), 'durabl-conformance-'))
  const outputFile = join(outputDirectory, 'report.json')
  // The child must not think it is a worker of this run.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST')))
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(
        process.execPath,
        [
          vitestCli,
          'run',
          '--config',
          'test/fixtures/vitest.fixtures.config.ts',
          '--reporter=json',
          `--outputFile=${outputFile}`,
        ],
        { cwd: packageRoot, env, maxBuffer: 64 * 1024 * 1024 },
        // A non-zero exit is expected: the broken backends fail. A missing report is the real error.
        (error, _stdout, stderr) =>
          error && error.code === undefined ? reject(new Error(stderr)) : resolve(),
      )
    })
    return JSON.parse(await readFile(outputFile, 'utf8')) as JsonReport
  } finally {
    await rm(outputDirectory, { recursive: true, force: true })
  }
}

describe('the conformance suite run against fixture backends', () => {
  let report: JsonReport

  beforeAll(async () => {
    report = await runFixtures()
  }, 120_000)

  const resultsOf = (fixture: string): AssertionResult[] => {
    const file = report.testResults.find((result) => result.name.endsWith(`${fixture}.fixture.ts`))
    expect(file, `a result for ${fixture}.fixture.ts`).toBeDefined()
    return file!.assertionResults
  }
  const failedNames = (fixture: string) =>
    resultsOf(fixture)
      .filter((result) => result.status === 'failed')
      .map((result) => result.fullName)

  it('passes MemoryBackend on every test', () => {
    const results = resultsOf('memory')
    expect(results.length).toBeGreaterThan(50)
    expect(results.filter((result) => result.status !== 'passed').map((result) => result.fullName)).toEqual(
      [],
    )
  })

  it('skips, not passes, the tests of capabilities a backend lacks', () => {
    const results = resultsOf('without-capabilities')
    const skipped = results.filter((result) => result.status === 'skipped').map((result) => result.fullName)
    const about = (...parts: string[]) => skipped.filter((name) => parts.some((part) => name.includes(part)))
    // Transactions (3), push (1) and pushed cancels (2); schedule changes ride push (1); the
    // schedules themselves run.
    expect(about('transactional enqueue', ' push ')).toHaveLength(6)
    expect(about('tells subscribers about schedule changes')).toHaveLength(1)
    expect(about('worker registry')).toHaveLength(5)
    // Type controls need capabilities.controls (5, and 5 at run time).
    expect(about('cancel requests through push')).toHaveLength(2)
    expect(about('type controls ')).toHaveLength(5)
    expect(about('pausing and resuming job types')).toHaveLength(5)
    expect(skipped.length).toBe(22)
    expect(results.filter((result) => result.status === 'failed')).toEqual([])
  })

  it('fails a backend that ignores lease tokens, in the fencing tests', () => {
    const failed = failedNames('lease-ignoring')
    expect(failed).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          'fencing a wrong lease token can neither complete, fail, heartbeat nor release',
        ),
        expect.stringContaining('fencing after recovery and a new claim, the old owner can neither'),
        expect.stringContaining("fencing the new owner's outcome stands"),
        expect.stringContaining('fencing reports each id of a mixed batch in exactly one list'),
      ]),
    )
    expect(failed.every((name) => !name.includes('dedupe scope'))).toBe(true)
  })

  it('fails a backend that ignores dedupe keys, in the dedupe and single-flight tests', () => {
    const failed = failedNames('dedupe-ignoring')
    expect(failed).toEqual(
      expect.arrayContaining([
        expect.stringContaining("dedupe scope 'pending+active' returns null for a second job with the key"),
        expect.stringContaining(
          "dedupe scope 'pending' (single-flight) does not claim the pending job while another",
        ),
        expect.stringContaining(
          'claimOrEnqueue (single-flight) reports a duplicate while a job with the key is active',
        ),
        expect.stringContaining(
          'concurrency writes one job for many concurrent enqueues with the same dedupe key',
        ),
      ]),
    )
    expect(failed.every((name) => !name.includes('fencing'))).toBe(true)
  })

  it('fails a backend whose worker registry never lets an entry expire', () => {
    expect(failedNames('never-expiring-workers')).toEqual([
      expect.stringContaining('worker registry stops listing an entry once its expiresAt has passed'),
      expect.stringContaining(
        'worker registry a queue that stops registering without a shutdown is not listed after 3 intervals',
      ),
    ])
  })

  it('fails a backend that answers nextDueAt in claim order rather than in time', () => {
    expect(failedNames('priority-first-next-due')).toEqual([
      expect.stringContaining(
        'next due time is the earliest runAt after now among pending jobs of the types, whatever their priority',
      ),
    ])
  })
})
