import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { useMongo } from '@durabl/mongo-server/harness'
import { describe, expect, it } from 'vitest'
import { waitUntil } from './support/wait-until.js'

/**
 * The root README's SIGTERM handler, run as written: a worker process (with a change stream open
 * when the target has one) gets SIGTERM and must exit 0 by itself, with no `process.exit()`. Before
 * the fix the snippet never closed the MongoClient and the process kept running.
 *
 * mongod behaviour relied on: none beyond accepting connections; what keeps a Node process alive
 * is the driver's open connection pool and monitors until `client.close()` (driver docs,
 * "Connection Pools": the pool stays open for the client's lifetime).
 */
const mongo = await useMongo()
const fixture = fileURLToPath(new URL('./fixtures/sigterm-worker.mjs', import.meta.url))
const builtBackend = fileURLToPath(new URL('../dist/index.js', import.meta.url))
const readme = fileURLToPath(new URL('../../../README.md', import.meta.url))
/** Far above a clean shutdown, far below the snippet's 30 s grace: the process must exit on its own. */
const EXIT_DEADLINE_MS = 15_000

/** The SIGTERM handler between the fixture's markers. */
function fixtureHandler(): string {
  const source = readFileSync(fixture, 'utf8')
  const start = source.indexOf('// README:SIGTERM:start\n')
  const end = source.indexOf('// README:SIGTERM:end')
  return source.slice(start + '// README:SIGTERM:start\n'.length, end).trim()
}

describe("the README's SIGTERM snippet", () => {
  it('is the handler the tested worker uses', () => {
    const handler = fixtureHandler()
    expect(handler).toMatch(/^process\.on\('SIGTERM'/)
    expect(readFileSync(readme, 'utf8')).toContain(handler)
  })

  it('lets the process exit 0 by itself after SIGTERM', async (context) => {
    if (!existsSync(builtBackend))
      context.skip('needs the built package (dist/index.js): run `npx tsup` first')
    const db = await mongo.db()
    let output = ''
    let errors = ''
    const child = spawn(process.execPath, [fixture], {
      env: { ...process.env, MONGO_URL: mongo.target.connectionString, DURABL_MONGO_DB: db.databaseName },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString()
    })
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null
    child.on('exit', (code, signal) => {
      exit = { code, signal }
    })
    try {
      await waitUntil(
        () => output.includes('ready') || exit !== null,
        `the worker to start (stderr: ${errors})`,
      )
      expect(exit, `the worker exited before SIGTERM (stderr: ${errors})`).toBeNull()
      child.kill('SIGTERM')
      await waitUntil(
        () => exit !== null,
        `the worker to exit after SIGTERM (stderr: ${errors})`,
        EXIT_DEADLINE_MS,
      )
    } finally {
      if (exit === null) child.kill('SIGKILL')
    }
    expect(exit).toEqual({ code: 0, signal: null })
  })
})
