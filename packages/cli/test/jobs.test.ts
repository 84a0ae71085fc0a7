import { useMongo } from '@durabl/mongo-server/harness'
import { beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, runCli } from './support/run-cli.js'
import { enqueue, newJob, seededBackend, seedScenario, T, target } from './support/seed.js'

const mongo = await useMongo()
beforeAll(ensureBuilt, 120_000)

describe('durabl jobs list', () => {
  it('lists jobs newest first, filtered by state (repeatable or comma list) and type', async () => {
    const scenario = await seedScenario(mongo)
    const all = JSON.parse((await runCli(['jobs', 'list', '--json', ...target(scenario)])).stdout)
    expect(all.jobs).toHaveLength(10)
    expect(all.nextCursor).toBeNull()
    expect(all.jobs[0].id).toBe(scenario.emailDelayed)
    // No payloads in a list.
    expect(all.jobs[0]).not.toHaveProperty('data')

    const finished = await runCli([
      'jobs',
      'list',
      '--json',
      '--state',
      'failed,cancelled',
      '--type',
      'report',
      ...target(scenario),
    ])
    expect(
      JSON.parse(finished.stdout)
        .jobs.map((job: { id: string }) => job.id)
        .sort(),
    ).toEqual([...scenario.reportFailed, scenario.reportCancelled].sort())
    const repeated = await runCli([
      'jobs',
      'list',
      '--json',
      '--state',
      'failed',
      '--state',
      'cancelled',
      ...target(scenario),
    ])
    expect(JSON.parse(repeated.stdout).jobs).toHaveLength(3)

    const text = await runCli(['jobs', 'list', '--state', 'failed', ...target(scenario)])
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/^ID\s+TYPE\s+STATE\s+ATTEMPTS\s+RUN AT\s+UPDATED\s+LAST ERROR$/m)
    expect(text.stdout).toContain('TypeError: smtp said no')
    expect(text.stdout).not.toContain('next cursor')
  })

  it('pages with --limit and --cursor, printing the next cursor', async () => {
    const scenario = await seedScenario(mongo)
    const seen: string[] = []
    let cursor: string | null = null
    for (let page = 0; page < 10; page += 1) {
      const args = ['jobs', 'list', '--json', '--limit', '4', ...target(scenario)]
      if (cursor !== null) args.push('--cursor', cursor)
      const result = JSON.parse((await runCli(args)).stdout)
      seen.push(...result.jobs.map((job: { id: string }) => job.id))
      cursor = result.nextCursor
      if (cursor === null) break
    }
    expect(seen).toHaveLength(10)
    expect(new Set(seen).size).toBe(10)

    const text = await runCli(['jobs', 'list', '--limit', '4', ...target(scenario)])
    expect(text.stdout).toMatch(/next cursor: [0-9a-f]{24}/)
  })

  it('says when nothing matches', async () => {
    const scenario = await seedScenario(mongo)
    const result = await runCli(['jobs', 'list', '--type', 'nothing', ...target(scenario)])
    expect(result).toMatchObject({ code: 0, stdout: 'no jobs match\n' })
  })
})

describe('durabl jobs show', () => {
  it('shows state, attempts, times, errors, logs and progress, but not the payload without --data', async () => {
    const scenario = await seedScenario(mongo)
    const id = scenario.reportFailed[0]!
    const result = await runCli(['jobs', 'show', id, ...target(scenario)])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`job ${id} (report)`)
    expect(result.stdout).toMatch(/state\s+failed/)
    expect(result.stdout).toMatch(/attempts\s+1 of 3/)
    expect(result.stdout).toMatch(/progress\s+\{"sent":0\}/)
    expect(result.stdout).toContain('TypeError: smtp said no [E_SMTP] (fatal)')
    expect(result.stdout).toContain('connecting to smtp')
    expect(result.stdout).not.toContain('report@example.com')
    expect(result.stdout).toContain('pass --data')

    const withData = await runCli(['jobs', 'show', id, '--data', ...target(scenario)])
    expect(withData.stdout).toContain('report@example.com')
  })

  it('prints JSON with --json, the payload only with --data', async () => {
    const scenario = await seedScenario(mongo)
    const id = scenario.emailCompleted[0]!
    const hidden = JSON.parse((await runCli(['jobs', 'show', id, '--json', ...target(scenario)])).stdout)
    expect(hidden).toMatchObject({ id, type: 'email', state: 'completed', attempts: 1 })
    expect(hidden).not.toHaveProperty('data')
    expect(hidden).not.toHaveProperty('result')
    expect(hidden).not.toHaveProperty('leaseToken')
    const shown = JSON.parse(
      (await runCli(['jobs', 'show', id, '--json', '--data', ...target(scenario)])).stdout,
    )
    expect(shown).toMatchObject({ data: { email: 'email@example.com' }, result: { ok: true } })
  })

  it('exits 1 for an unknown id and 2 for a malformed one', async () => {
    const scenario = await seedScenario(mongo)
    const missing = await runCli(['jobs', 'show', 'aaaaaaaaaaaaaaaaaaaaaaaa', ...target(scenario)])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('no job has id aaaaaaaaaaaaaaaaaaaaaaaa')
    const malformed = await runCli(['jobs', 'show', 'job-42', ...target(scenario)])
    expect(malformed.code).toBe(2)
    expect(malformed.stderr).toContain('"job-42" is not a job id')
    expect(malformed.stderr).toContain('24-character hex')
  })
})

describe('durabl jobs retry', () => {
  it('retries a failed job by id and explains an id it could not retry', async () => {
    const scenario = await seedScenario(mongo)
    const [failed] = scenario.reportFailed
    const result = await runCli(['jobs', 'retry', failed!, ...target(scenario)])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`retried 1 job:\n  ${failed}`)
    const job = await scenario.backend.getJob({ id: failed! })
    expect(job).toMatchObject({ state: 'pending', attempts: 0 })

    const pending = scenario.emailPending[0]!
    const refused = await runCli(['jobs', 'retry', pending, ...target(scenario)])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(
      `job ${pending} was not retried: it is pending; only completed, failed, cancelled jobs can be retried`,
    )
  })

  it('retries by filter after confirmation (--yes), counting first with --dry-run', async () => {
    const scenario = await seedScenario(mongo)
    const dryRun = await runCli([
      'jobs',
      'retry',
      '--state',
      'failed',
      '--type',
      'report',
      '--dry-run',
      ...target(scenario),
    ])
    expect(dryRun.code).toBe(0)
    expect(dryRun.stdout).toMatch(/would retry 2 jobs:\nTYPE\s+JOBS\nreport\s+2/)
    expect((await scenario.backend.getStats({ now: T })).total.failed).toBe(2)

    const refused = await runCli([
      'jobs',
      'retry',
      '--state',
      'failed',
      '--type',
      'report',
      ...target(scenario),
    ])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('refusing to retry 2 jobs without confirmation')
    expect((await scenario.backend.getStats({ now: T })).total.failed).toBe(2)

    const result = await runCli([
      'jobs',
      'retry',
      '--state',
      'failed',
      '--type',
      'report',
      '--yes',
      '--json',
      ...target(scenario),
    ])
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout).retried.sort()).toEqual([...scenario.reportFailed].sort())
    const stats = await scenario.backend.getStats({ now: T })
    expect(stats.total.failed).toBe(0)
  })
})

describe('durabl jobs cancel', () => {
  it('cancels a pending job by id; an active one gets a cancel request, and a second request is refused with the reason', async () => {
    const scenario = await seedScenario(mongo)
    const pending = scenario.emailPending[1]!
    const result = await runCli(['jobs', 'cancel', pending, ...target(scenario)])
    expect(result.code).toBe(0)
    expect((await scenario.backend.getJob({ id: pending }))?.state).toBe('cancelled')

    const requested = await runCli(['jobs', 'cancel', scenario.emailActive, ...target(scenario)])
    expect(requested.code).toBe(0)
    expect(requested.stdout).toContain('cancelled 1 job')
    const active = await scenario.backend.getJob({ id: scenario.emailActive })
    expect(active?.state).toBe('active')
    expect(active?.cancelRequestedAt).toBeInstanceOf(Date)

    const again = await runCli(['jobs', 'cancel', scenario.emailActive, ...target(scenario)])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('its cancel was already requested')

    const completed = await runCli(['jobs', 'cancel', scenario.emailCompleted[0]!, ...target(scenario)])
    expect(completed.code).toBe(1)
    expect(completed.stderr).toContain('it is completed; only pending, active jobs can be cancelled')
  })

  it('cancels by type with --yes', async () => {
    const { db, backend, uri } = await seededBackend(mongo)
    await enqueue(backend, newJob('sms'))
    await enqueue(backend, newJob('sms'))
    const keep = await enqueue(backend, newJob('push'))
    const result = await runCli(['jobs', 'cancel', '--type', 'sms', '--yes', ...target({ uri, db })])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('cancelled 2 jobs')
    const stats = await backend.getStats({ now: T })
    expect(stats.types.find((entry) => entry.type === 'sms')?.cancelled).toBe(2)
    expect((await backend.getJob({ id: keep }))?.state).toBe('pending')
  })
})
