import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, post, type StartedApp, startApp } from './start-app.js'

describe('the example app', () => {
  let app: StartedApp & { base: string }

  beforeAll(async () => {
    app = await startApp()
    const where = app.stdout().match(/MongoDB at (\S+ \([^)]*\))/)?.[1] ?? 'unknown'
    console.info(`example smoke test: MongoDB target ${where.split(' (')[0]}`)
  })

  afterAll(() => {
    if (app.child.exitCode === null) app.child.kill('SIGKILL')
  })

  it('runs sign-up jobs, moves metrics, traces each job to its request, and stops cleanly on SIGTERM', async () => {
    const { base } = app
    const signups = 3
    for (let index = 0; index < signups; index++) {
      const response = await post(base, '/signup', JSON.stringify({ email: `smoke${index}@example.com` }))
      expect(response.status).toBe(202)
    }
    const rejected = await post(base, '/signup', JSON.stringify({ email: 42 }))
    expect(rejected.status).toBe(400)
    expect(await rejected.text()).toContain('email must be an address, got 42')

    // Every job completes: welcome emails after one retry, the delayed tips after 2 s.
    const signupTypes = ['welcome-email', 'provision-workspace', 'send-tips']
    const stats = await eventually('every job to complete', async () => {
      const body = (await (await fetch(`${base}/stats`)).json()) as {
        types: Array<{ type: string; completed: number; pending: number; active: number; failed: number }>
      }
      const signupStats = body.types.filter((entry) => signupTypes.includes(entry.type))
      const completed = signupStats.reduce((sum, entry) => sum + entry.completed, 0)
      return completed === signups * 3 ? signupStats : undefined
    })
    for (const entry of stats) expect(entry).toMatchObject({ pending: 0, active: 0, failed: 0 })

    // The welcome e-mails' per-tenant limit is stored for the whole fleet.
    const limits = (await (await fetch(`${base}/limits`)).json()) as Array<{ type: string; limits: unknown }>
    expect(limits).toEqual([
      {
        type: 'welcome-email',
        limits: { perKey: { concurrency: 2, rateLimit: { max: 20, perMs: 1_000 } } },
        updatedAt: expect.any(String),
      },
    ])

    // The two declared schedules are stored; the every-5-seconds one has run.
    const schedules = await eventually('the usage report to run', async () => {
      const body = (await (await fetch(`${base}/schedules`)).json()) as Array<{
        id: string
        runs: number
        nextRunAt: string
      }>
      return body.find((schedule) => schedule.id === 'usage-report' && schedule.runs >= 1) ? body : undefined
    })
    expect(schedules.map((schedule) => schedule.id)).toEqual(['nightly-cleanup', 'usage-report'])
    const nightly = schedules.find((schedule) => schedule.id === 'nightly-cleanup')
    // 02:30 in Berlin is 00:30 or 01:30 UTC, depending on the season.
    expect(nightly?.nextRunAt).toMatch(/T0[01]:30:00\.000Z$/)

    const metrics = await (await fetch(`${base}/metrics`)).text()
    expect(metrics).toContain(`durabl_jobs_completed_total{queue="example",type="welcome-email"} ${signups}`)
    expect(metrics).toContain(`durabl_jobs_retried_total{queue="example",type="welcome-email"} ${signups}`)
    expect(metrics).toContain(`durabl_jobs_completed_total{queue="example",type="send-tips"} ${signups}`)
    expect(metrics).toMatch(
      /durabl_job_duration_seconds_count\{queue="example",type="provision-workspace"\} 3/,
    )

    // The worker's span belongs to the trace of the request that enqueued the job.
    const output = app.stdout()
    const requestTraces = [
      ...output.matchAll(/trace (\w+) span \w+ parent root SERVER "POST \/signup"/g),
    ].map((match) => match[1])
    expect(requestTraces).toHaveLength(signups + 1)
    const consumerTraces = [
      ...output.matchAll(/trace (\w+) span \w+ parent \w+ CONSUMER "process welcome-email"/g),
    ].map((match) => match[1])
    expect(consumerTraces).toHaveLength(signups * 2)
    for (const traceId of consumerTraces) expect(requestTraces).toContain(traceId)

    app.child.kill('SIGTERM')
    expect(await app.exited).toBe(0)
    expect(app.stdout()).toContain('stopped cleanly')
    expect(app.stderr()).toBe('')
  })
})
