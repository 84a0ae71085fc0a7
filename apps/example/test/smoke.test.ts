import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url))
const DEADLINE_MS = 30_000

/** Polls `check` until it returns a value, or fails with `what` after the deadline. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + DEADLINE_MS
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('the example app', () => {
  let child: ChildProcess
  let output = ''
  let base = ''

  beforeAll(async () => {
    expect(existsSync(main), 'build the app first (turbo runs build before test)').toBe(true)
    child = spawn(process.execPath, [main, '--role', 'all', '--port', '0'], {
      env: {
        ...process.env,
        MONGO_DB: `durabl_example_${randomUUID().slice(0, 8)}`,
        OTEL_EXPORTER_OTLP_ENDPOINT: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    base = await eventually('the app to listen', async () => output.match(/listening on (http:\/\/\S+)/)?.[1])
    const where = output.match(/MongoDB at (\S+ \([^)]*\))/)?.[1] ?? 'unknown'
    console.info(`example smoke test: MongoDB target ${where.split(' (')[0]}`)
  })

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })

  it('runs sign-up jobs, moves metrics, traces each job to its request, and stops cleanly on SIGTERM', async () => {
    const signups = 3
    for (let index = 0; index < signups; index++) {
      const response = await fetch(`${base}/signup`, {
        method: 'POST',
        body: JSON.stringify({ email: `smoke${index}@example.com` }),
      })
      expect(response.status).toBe(202)
    }
    const rejected = await fetch(`${base}/signup`, { method: 'POST', body: JSON.stringify({ email: 42 }) })
    expect(rejected.status).toBe(400)
    expect(await rejected.text()).toContain('email must be an address, got 42')

    // Every job completes: welcome emails after one retry, the delayed tips after 2 s.
    const stats = await eventually('every job to complete', async () => {
      const body = (await (await fetch(`${base}/stats`)).json()) as {
        total: { completed: number; pending: number; active: number; failed: number }
      }
      return body.total.completed === signups * 3 ? body : undefined
    })
    expect(stats.total).toMatchObject({ pending: 0, active: 0, failed: 0 })

    const metrics = await (await fetch(`${base}/metrics`)).text()
    expect(metrics).toContain(`durabl_jobs_completed_total{queue="example",type="welcome-email"} ${signups}`)
    expect(metrics).toContain(`durabl_jobs_retried_total{queue="example",type="welcome-email"} ${signups}`)
    expect(metrics).toContain(`durabl_jobs_completed_total{queue="example",type="send-tips"} ${signups}`)
    expect(metrics).toMatch(
      /durabl_job_duration_seconds_count\{queue="example",type="provision-workspace"\} 3/,
    )

    // The worker's span belongs to the trace of the request that enqueued the job.
    const requestTraces = [
      ...output.matchAll(/trace (\w+) span \w+ parent root SERVER "POST \/signup"/g),
    ].map((match) => match[1])
    expect(requestTraces).toHaveLength(signups + 1)
    const consumerTraces = [
      ...output.matchAll(/trace (\w+) span \w+ parent \w+ CONSUMER "process welcome-email"/g),
    ].map((match) => match[1])
    expect(consumerTraces).toHaveLength(signups * 2)
    for (const traceId of consumerTraces) expect(requestTraces).toContain(traceId)

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(output).toContain('stopped cleanly')
  })
})
