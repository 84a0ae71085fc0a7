import { useMongo } from '@durabl/mongo-server/harness'
import { beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, runCli, startCli } from './support/run-cli.js'
import { seedScenario, target } from './support/seed.js'

const mongo = await useMongo()
beforeAll(ensureBuilt, 120_000)

describe('durabl stats', () => {
  it('prints a table of types × states with the oldest due job’s age', async () => {
    const scenario = await seedScenario(mongo)
    const result = await runCli(['stats', ...target(scenario)])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    const lines = result.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(
      /^TYPE\s+PENDING\s+DUE\s+DELAYED\s+ACTIVE\s+COMPLETED\s+FAILED\s+CANCELLED\s+OLDEST DUE$/,
    )
    expect(lines[1]?.split(/\s+/)).toEqual(['email', '4', '3', '1', '1', '2', '0', '0', '3m12s'])
    expect(lines[2]?.split(/\s+/)).toEqual(['report', '0', '0', '0', '0', '0', '2', '1', '-'])
    expect(lines[3]?.split(/\s+/)).toEqual(['TOTAL', '4', '3', '1', '1', '2', '2', '1', '3m12s'])
  })

  it('prints JSON only with --json, and one type with --type', async () => {
    const scenario = await seedScenario(mongo)
    const result = await runCli(['stats', '--json', '--type', 'email', ...target(scenario)])
    expect(result.code).toBe(0)
    const stats = JSON.parse(result.stdout)
    expect(stats.types).toHaveLength(1)
    expect(stats.types[0]).toMatchObject({
      type: 'email',
      pending: 4,
      due: 3,
      delayed: 1,
      active: 1,
      completed: 2,
      oldestDueAt: '2030-01-01T11:56:48.000Z',
      oldestDueAgeMs: 192_000,
    })
    expect(stats.total).toMatchObject({ pending: 4, failed: 0 })
  })

  it('says so when there are no jobs', async () => {
    const db = await mongo.db()
    const result = await runCli(['stats', '--uri', mongo.target.connectionString, '--db', db.databaseName])
    expect(result).toMatchObject({ code: 0, stdout: 'no jobs\n' })
  })

  it('refreshes with --watch, a bounded number of times with --count', async () => {
    const scenario = await seedScenario(mongo)
    const result = await runCli([
      'stats',
      '--watch',
      '--count',
      '2',
      '--interval-ms',
      '10',
      ...target(scenario),
    ])
    expect(result.code).toBe(0)
    expect(result.stdout.match(/^durabl stats /gm)).toHaveLength(2)
    expect(result.stdout.match(/^email\s/gm)).toHaveLength(2)
    // Not a terminal: frames are appended, no screen clearing.
    expect(result.stdout).not.toContain('\u001b[2J')

    const json = await runCli([
      'stats',
      '--watch',
      '--count',
      '2',
      '--interval-ms',
      '10',
      '--json',
      ...target(scenario),
    ])
    const frames = json.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(frames).toHaveLength(2)
    expect(frames[1].total.pending).toBe(4)
  })

  it('stops cleanly on SIGINT while watching', async () => {
    const scenario = await seedScenario(mongo)
    const { child, result } = await startCli(
      ['stats', '--watch', '--interval-ms', '60000', ...target(scenario)],
      'TOTAL',
    )
    child.kill('SIGINT')
    const finished = await result
    expect(finished.code).toBe(0)
    expect(finished.stderr).toBe('')
  })
})
