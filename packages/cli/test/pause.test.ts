import { useMongo } from '@durabl/mongo-server/harness'
import { beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, runCli } from './support/run-cli.js'
import { at, SECOND, seededBackend, seedScenario, T, target } from './support/seed.js'

/**
 * `durabl pause` / `durabl resume` and the pause state in `durabl stats`.
 *
 * mongod behaviour relied on: `findAndModify` with `upsert: true` on `_id` creates the document
 * once and returns it as written (manual, "findAndModify"); `find` with `sort: { _id: 1 }` returns
 * the controls in `_id` order.
 */
const mongo = await useMongo()
beforeAll(ensureBuilt, 120_000)

describe('durabl pause / resume', () => {
  it('pauses a type for every worker, warns when no running queue processes it, and resumes it', async () => {
    const seeded = await seededBackend(mongo)
    const paused = await runCli(['pause', 'email', ...target(seeded)])
    expect(paused.code).toBe(0)
    expect(paused.stdout).toMatch(
      /^paused type "email": workers claim none of its jobs until `durabl resume email`/,
    )
    expect(paused.stderr).toMatch(/^durabl: warning: no running queue processes "email"/)
    expect(await seeded.db.collection('durabl_controls').find().toArray()).toEqual([
      { _id: 'email', paused: true, limits: null, rev: 1, updatedAt: T },
    ])
    const resumed = await runCli(['resume', 'email', '--json', ...target(seeded)])
    expect(resumed).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(resumed.stdout)).toEqual({
      type: 'email',
      paused: false,
      rev: 2,
      updatedAt: T.toISOString(),
      warning: null,
    })
  })

  it('gives no warning for a type a registered worker processes', async () => {
    const seeded = await seededBackend(mongo)
    await seeded.backend.workers.registerWorker({
      worker: {
        workerId: 'app-1:1:a',
        host: 'app-1',
        pid: 1,
        types: [{ type: 'email', concurrency: 5 }],
        instanceConcurrency: 10,
        version: '1.0.0',
        runsSchedules: false,
        startedAt: at(-60 * SECOND),
      },
      expiresAt: at(60 * SECOND),
      now: at(-SECOND),
    })
    const result = await runCli(['pause', 'email', ...target(seeded)])
    expect(result).toMatchObject({ code: 0, stderr: '' })
  })

  it('pause --all pauses every type; stats flags paused types, lists those without jobs, and notes --all', async () => {
    const scenario = await seedScenario(mongo)
    expect((await runCli(['pause', 'digest', ...target(scenario)])).code).toBe(0)
    const table = await runCli(['stats', ...target(scenario)])
    expect(table.code).toBe(0)
    const lines = table.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/\s+OLDEST DUE\s+PAUSED$/)
    expect(lines.map((line) => [line.split(/\s+/)[0], line.split(/\s+/).at(-1)])).toEqual([
      ['TYPE', 'PAUSED'],
      ['digest', 'yes'],
      ['email', '-'],
      ['report', '-'],
      ['TOTAL', '3m12s'],
    ])
    const all = await runCli(['pause', '--all', '--json', ...target(scenario)])
    expect(JSON.parse(all.stdout)).toMatchObject({ type: '*', paused: true, warning: null })
    const json = JSON.parse((await runCli(['stats', '--json', ...target(scenario)])).stdout)
    expect(json.allPaused).toBe(true)
    expect(json.types.map((entry: { type: string; paused: boolean }) => [entry.type, entry.paused])).toEqual([
      ['digest', true],
      ['email', true],
      ['report', true],
    ])
    expect((await runCli(['stats', ...target(scenario)])).stdout.trimEnd().split('\n').at(-1)).toBe(
      "every type is paused (pause --all): 'durabl resume --all' resumes them",
    )
    const resumed = await runCli(['resume', '--all', ...target(scenario)])
    expect(resumed.stdout).toMatch(/^resumed every type/)
    expect(resumed.stderr).toMatch(/paused by name, "digest" stays paused/)
  })

  it('refuses a missing type, a type with --all, and a malformed type (exit 2)', async () => {
    const seeded = await seededBackend(mongo)
    const missing = await runCli(['pause', ...target(seeded)])
    expect(missing).toMatchObject({ code: 2 })
    expect(missing.stderr).toMatch(/pause needs a job type, or --all for every type/)
    const both = await runCli(['resume', 'email', '--all', ...target(seeded)])
    expect(both.stderr).toMatch(/resume takes a job type or --all, not both/)
    expect(both.code).toBe(2)
    const control = await runCli(['pause', 'bad\u001btype', ...target(seeded)])
    expect(control.code).toBe(2)
    expect(control.stderr).toMatch(/the job type must not contain control characters/)
    expect(await seeded.db.collection('durabl_controls').countDocuments()).toBe(0)
  })
})
