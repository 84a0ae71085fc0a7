import type { RegisterWorkerParams } from '@durabl/core'
import { useMongo } from '@durabl/mongo-server/harness'
import { beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, runCli } from './support/run-cli.js'
import { at, MINUTE, SECOND, seededBackend, T, target } from './support/seed.js'

const mongo = await useMongo()
beforeAll(ensureBuilt, 120_000)

function registration(workerId: string, lastSeenAt: Date, types: RegisterWorkerParams['worker']['types']) {
  return {
    worker: {
      workerId,
      host: 'app-1',
      pid: 4242,
      types,
      instanceConcurrency: 20,
      version: '1.4.0',
      runsSchedules: workerId.endsWith('a'),
      startedAt: at(-2 * 60 * MINUTE),
    },
    expiresAt: new Date(lastSeenAt.getTime() + 90 * SECOND),
    now: lastSeenAt,
  }
}

/** Two live workers and one whose last registration expired before T. */
async function seedWorkers() {
  const seeded = await seededBackend(mongo)
  const { workers } = seeded.backend
  await workers.registerWorker(
    registration('app-1:4242:a', at(-12 * SECOND), [
      { type: 'email', concurrency: 5 },
      { type: 'report', concurrency: 1 },
    ]),
  )
  await workers.registerWorker(registration('app-1:4243:b', at(-40 * SECOND), []))
  await workers.registerWorker(registration('app-1:4244:c', at(-5 * MINUTE), []))
  return seeded
}

describe('durabl workers', () => {
  it('prints a table of the live workers, leaving out expired ones', async () => {
    const scenario = await seedWorkers()
    const result = await runCli(['workers', ...target(scenario)])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    const lines = result.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(
      /^WORKER\s+HOST\s+PID\s+TYPES\s+CONCURRENCY\s+SCHEDULES\s+VERSION\s+STARTED\s+LAST SEEN$/,
    )
    expect(lines[1]?.split(/\s+/)).toEqual([
      'app-1:4242:a',
      'app-1',
      '4242',
      'email×5,report×1',
      '20',
      'yes',
      '1.4.0',
      '2030-01-01T10:00:00Z',
      '12s',
      'ago',
    ])
    expect(lines[2]?.split(/\s+/)).toEqual([
      'app-1:4243:b',
      'app-1',
      '4242',
      '-',
      '20',
      'no',
      '1.4.0',
      '2030-01-01T10:00:00Z',
      '40s',
      'ago',
    ])
    expect(lines).toHaveLength(3)
  })

  it('prints JSON only with --json, with each last registration’s age', async () => {
    const scenario = await seedWorkers()
    const result = await runCli(['workers', '--json', ...target(scenario)])
    expect(result.code).toBe(0)
    const report = JSON.parse(result.stdout)
    expect(report.at).toBe(T.toISOString())
    expect(report.workers).toHaveLength(2)
    expect(report.workers[0]).toEqual({
      workerId: 'app-1:4242:a',
      host: 'app-1',
      pid: 4242,
      types: [
        { type: 'email', concurrency: 5 },
        { type: 'report', concurrency: 1 },
      ],
      instanceConcurrency: 20,
      version: '1.4.0',
      runsSchedules: true,
      startedAt: '2030-01-01T10:00:00.000Z',
      lastSeenAt: '2030-01-01T11:59:48.000Z',
      lastSeenAgoMs: 12_000,
    })
  })

  it('says so when no worker is registered, and reads --workers-collection', async () => {
    const scenario = await seedWorkers()
    const other = await runCli(['workers', '--workers-collection', 'elsewhere', ...target(scenario)])
    expect(other).toMatchObject({ code: 0, stdout: 'no workers\n' })
    const bad = await runCli(['workers', '--workers-collection', 'a$b', ...target(scenario)])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--workers-collection must be a non-empty name without "$", got "a$b"')
  })
})
