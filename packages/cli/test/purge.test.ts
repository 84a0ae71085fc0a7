import { useMongo } from '@durabl/mongo-server/harness'
import { beforeAll, describe, expect, it } from 'vitest'
import { main } from '../src/index.js'
import { ensureBuilt, runCli } from './support/run-cli.js'
import { seedScenario, T, target } from './support/seed.js'

const mongo = await useMongo()
beforeAll(ensureBuilt, 120_000)

/** An in-process run of `durabl` that pretends stdin is a terminal and answers the prompt. */
async function runOnTerminal(args: string[], answer: boolean) {
  let stdout = ''
  let stderr = ''
  const questions: string[] = []
  const code = await main(['node', 'durabl', ...args], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin: { isTTY: true },
    env: {},
    confirm: async (question) => {
      questions.push(question)
      return answer
    },
  })
  return { code, stdout, stderr, questions }
}

async function totals(scenario: Awaited<ReturnType<typeof seedScenario>>) {
  return (await scenario.backend.getStats({ now: T })).total
}

describe('durabl jobs purge', () => {
  it('counts what it would delete per type and state with --dry-run, deleting nothing', async () => {
    const scenario = await seedScenario(mongo)
    const result = await runCli([
      'jobs',
      'purge',
      '--state',
      'completed,failed',
      '--older-than',
      '7d',
      '--dry-run',
      ...target(scenario),
    ])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(
      'would delete 2 jobs finished before 2029-12-25T12:00:00Z (older than 7d)',
    )
    expect(result.stdout).toMatch(/^email\s+completed\s+1$/m)
    expect(result.stdout).toMatch(/^report\s+failed\s+1$/m)
    expect(await totals(scenario)).toMatchObject({ completed: 2, failed: 2 })

    const json = await runCli([
      'jobs',
      'purge',
      '--state',
      'completed',
      '--state',
      'failed',
      '--older-than',
      '2w',
      '--dry-run',
      '--json',
      ...target(scenario),
    ])
    expect(JSON.parse(json.stdout)).toMatchObject({ dryRun: true, total: 0, counts: [] })
  })

  it('refuses without a terminal and without --yes, deleting nothing', async () => {
    const scenario = await seedScenario(mongo)
    const result = await runCli([
      'jobs',
      'purge',
      '--state',
      'completed',
      '--older-than',
      '7d',
      ...target(scenario),
    ])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      'refusing to delete 1 job without confirmation: stdin is not a terminal; pass --yes',
    )
    expect(await totals(scenario)).toMatchObject({ completed: 2 })
  })

  it('deletes with --yes only the finished jobs older than the cutoff', async () => {
    const scenario = await seedScenario(mongo)
    const result = await runCli([
      'jobs',
      'purge',
      '--state',
      'completed,failed',
      '--older-than',
      '7d',
      '--yes',
      ...target(scenario),
    ])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('deleted 2 jobs')
    expect(await scenario.backend.getJob({ id: scenario.emailCompleted[0]! })).toBeNull()
    expect(await scenario.backend.getJob({ id: scenario.reportFailed[0]! })).toBeNull()
    expect(await totals(scenario)).toMatchObject({
      completed: 1,
      failed: 1,
      pending: 4,
      active: 1,
      cancelled: 1,
    })
  })

  it('with --type deletes only those types', async () => {
    const scenario = await seedScenario(mongo)
    const result = await runCli([
      'jobs',
      'purge',
      '--state',
      'completed,failed',
      '--older-than',
      '1h',
      '--type',
      'report',
      '--yes',
      ...target(scenario),
    ])
    expect(result.stdout).toContain('deleted 2 jobs')
    expect(await totals(scenario)).toMatchObject({ completed: 2, failed: 0 })
  })

  it('asks on a terminal: yes deletes, no aborts with exit 1', async () => {
    const scenario = await seedScenario(mongo)
    const args = ['jobs', 'purge', '--state', 'completed', '--older-than', '12h', ...target(scenario)]
    const declined = await runOnTerminal(args, false)
    expect(declined.code).toBe(1)
    expect(declined.questions).toEqual(['delete 2 jobs?'])
    expect(declined.stderr).toContain('aborted: nothing was changed')
    expect(await totals(scenario)).toMatchObject({ completed: 2 })

    const accepted = await runOnTerminal(args, true)
    expect(accepted.code).toBe(0)
    expect(accepted.stdout).toContain('deleted 2 jobs')
    expect(await totals(scenario)).toMatchObject({ completed: 0 })
  })

  it('needs --state and --older-than, and only finished states', async () => {
    const scenario = await seedScenario(mongo)
    const noState = await runCli(['jobs', 'purge', '--older-than', '7d', ...target(scenario)])
    expect(noState.code).toBe(2)
    expect(noState.stderr).toContain('jobs purge needs --state')
    const active = await runCli([
      'jobs',
      'purge',
      '--state',
      'active',
      '--older-than',
      '7d',
      ...target(scenario),
    ])
    expect(active.code).toBe(2)
    expect(active.stderr).toContain('unknown state "active"; allowed: completed, failed, cancelled')
    const badDuration = await runCli([
      'jobs',
      'purge',
      '--state',
      'completed',
      '--older-than',
      '7 days',
      ...target(scenario),
    ])
    expect(badDuration.code).toBe(2)
    expect(badDuration.stderr).toContain(
      '--older-than must be a duration such as 30s, 15m, 12h, 7d or 2w, got "7 days"',
    )
  })
})
