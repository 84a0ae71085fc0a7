import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url))
const DEADLINE_MS = 30_000

/** Polls `check` until it returns a value, or fails with `what` after the deadline. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + DEADLINE_MS
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

export interface StartedApp {
  child: ChildProcess
  /** Everything printed so far. */
  stdout: () => string
  stderr: () => string
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>
}

/** Spawns the built app (`dist/main.js`) with `args`, its own database and console traces. */
export function spawnApp(args: string[]): StartedApp {
  expect(existsSync(main), 'build the app first (turbo runs build before test)').toBe(true)
  const child = spawn(process.execPath, [main, ...args], {
    env: {
      ...process.env,
      MONGO_DB: `durabl_example_${randomUUID().slice(0, 8)}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, stdout: () => stdout, stderr: () => stderr, exited }
}

/** Spawns the app on a free port and waits until it listens; resolves with its base URL. */
export async function startApp(args: string[] = []): Promise<StartedApp & { base: string }> {
  const app = spawnApp(['--role', 'all', '--port', '0', ...args])
  const base = await eventually('the app to listen', async () => {
    if (app.child.exitCode !== null) throw new Error(`the app exited early:\n${app.stdout()}${app.stderr()}`)
    return app.stdout().match(/listening on (http:\/\/\S+)/)?.[1]
  })
  return { ...app, base }
}

/** POSTs `body` as JSON (or with the given content type) to `path`. */
export function post(base: string, path: string, body: string, contentType = 'application/json') {
  return fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body })
}
