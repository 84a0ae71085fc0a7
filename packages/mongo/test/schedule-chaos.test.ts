import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { JobQueue } from '@durabl/core'
import { useMongo } from '@durabl/mongo-server/harness'
import { describe, expect, it } from 'vitest'
import { MongoBackend } from '../src/index.js'
import { waitUntil } from './support/wait-until.js'

const mongo = await useMongo()
const fixture = fileURLToPath(new URL('./fixtures/schedule-chaos-worker.mjs', import.meta.url))
const builtBackend = fileURLToPath(new URL('../dist/index.js', import.meta.url))

/** How long the fleet runs under chaos (the issue asks for a minute; shorter runs are for local iteration). */
const WINDOW_MS = Number(process.env.DURABL_CHAOS_SECONDS ?? 60) * 1_000
const PROCESSES = 5
/** Every this often the parent SIGKILLs one process (and starts a new one in its place). */
const KILL_EVERY_MS = 6_000
/** Every this often the server drops every client connection (in-process server only). */
const DROP_EVERY_MS = 9_000
/** One process runs with its clock this far ahead. */
const SKEW_MS = 3_000

interface Fleet {
  children: Map<number, ChildProcess>
  killsBetween: number
  killsByParent: number
  respawns: number
  errors: string[]
  lags: number[]
}

/**
 * Five processes run one every-second schedule for a minute while the parent SIGKILLs one every
 * few seconds, processes kill themselves between a fire's job insert and its compare-and-set, the
 * server drops every connection, and one process's clock runs seconds ahead. Every occurrence in
 * the window must be enqueued exactly once (the jobs are the evidence) and run (at least once: a
 * worker killed mid-job makes its job run again, which is at-least-once delivery, reported).
 */
describe('schedules under chaos', () => {
  it('every occurrence in the window is enqueued exactly once and runs', {
    timeout: WINDOW_MS + 90_000,
  }, async (context) => {
    if (!existsSync(builtBackend))
      context.skip('needs the built package (dist/index.js): run `npx tsup` first')
    const db = await mongo.db()
    const admin = new JobQueue(new MongoBackend({ db }), { schedules: { run: false } })
    await admin.schedules.upsert('chaos-tick', {
      type: 'chaos-tick',
      everyMs: 1_000,
      catchUp: { policy: 'all', graceMs: 60_000 },
    })
    const fleet: Fleet = {
      children: new Map(),
      killsBetween: 0,
      killsByParent: 0,
      respawns: 0,
      errors: [],
      lags: [],
    }
    let stopping = false
    const generations = new Map<number, number>()
    const start = (index: number) => {
      const generation = (generations.get(index) ?? 0) + 1
      generations.set(index, generation)
      const child = spawn(process.execPath, [fixture], {
        env: {
          ...process.env,
          DURABL_MONGO_URI: mongo.target.connectionString,
          DURABL_MONGO_DB: db.databaseName,
          DURABL_CLOCK_SKEW_MS: String(index === 0 ? SKEW_MS : 0),
          // Process 1 dies at its first compare-and-set for sure (all five race for the first
          // occurrence, so it gets there); every process may die at any later one.
          DURABL_KILL_BETWEEN: index === 1 && generation === 1 ? '1' : '0.1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      fleet.children.set(index, child)
      let out = ''
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        const lines = out.split('\n')
        out = lines.pop() ?? ''
        for (const line of lines) {
          if (line.startsWith('kill-between')) fleet.killsBetween += 1
          const lag = /^enqueued \S+ (\d+)$/.exec(line)
          if (lag) fleet.lags.push(Number(lag[1]))
        }
      })
      child.stderr?.on('data', (chunk: Buffer) => fleet.errors.push(chunk.toString()))
      child.on('exit', () => {
        if (fleet.children.get(index) !== child || stopping) return
        fleet.respawns += 1
        start(index)
      })
    }
    for (let index = 0; index < PROCESSES; index += 1) start(index)

    const windowStart = Date.now()
    const timers: NodeJS.Timeout[] = []
    let drops = 0
    timers.push(
      setInterval(() => {
        // Not the skewed process: it stays up so the skew is exercised throughout.
        const index = 1 + Math.floor(Math.random() * (PROCESSES - 1))
        fleet.killsByParent += 1
        fleet.children.get(index)?.kill('SIGKILL')
      }, KILL_EVERY_MS),
    )
    if (mongo.server !== null) {
      timers.push(
        setInterval(() => {
          drops += 1
          mongo.server?.faults.dropConnections()
        }, DROP_EVERY_MS),
      )
    }
    try {
      await waitUntil(() => Date.now() - windowStart >= WINDOW_MS, 'the chaos window', WINDOW_MS + 5_000, 250)
    } finally {
      for (const timer of timers) clearInterval(timer)
    }
    const windowEnd = Date.now()
    const schedules = new MongoBackend({ db }).schedules
    try {
      // The fleet catches up on the window's last occurrences (a takeover after a kill takes 1.5 s).
      await waitUntil(
        async () =>
          ((await schedules.getSchedule({ id: 'chaos-tick' }))?.nextRunAt?.getTime() ?? 0) >
          windowEnd + 1_000,
        'the schedule to pass the end of the window',
        30_000,
        100,
      )
      // Read the schedule before its jobs: every occurrence before its nextRunAt was counted by the
      // one compare-and-set that advanced past it. A fire in flight may have written the job of
      // nextRunAt itself already; that one is counted by the advance still to come (or, if the
      // pause below refuses that advance, never: the job stays, the counter does not move).
      const advanced = await schedules.getSchedule({ id: 'chaos-tick' })
      const jobs = await db
        .collection('durabl_jobs')
        .find({ 'metadata.durabl_schedule': 'chaos-tick' }, { projection: { metadata: 1, state: 1 } })
        .toArray()
      const counts = new Map<number, number>()
      for (const job of jobs) {
        const at = Date.parse(job.metadata.durabl_occurrence)
        counts.set(at, (counts.get(at) ?? 0) + 1)
      }
      const instants = [...counts.keys()].sort((a, b) => a - b)
      const duplicates = [...counts.entries()].filter(([, count]) => count > 1)
      expect(duplicates, 'occurrences enqueued twice').toEqual([])
      // Every second from the first occurrence to the end of the window, none missing.
      const first = instants[0] as number
      const expected: number[] = []
      for (let at = first; at <= windowEnd; at += 1_000) expected.push(at)
      const missing = expected.filter((at) => !counts.has(at))
      expect(
        missing.map((at) => new Date(at).toISOString()),
        'occurrences never enqueued',
      ).toEqual([])
      expect(expected.length).toBeGreaterThanOrEqual(Math.floor(WINDOW_MS / 1_000) - 10)
      const passed = instants.filter((at) => at < (advanced?.nextRunAt?.getTime() ?? 0))
      expect(advanced?.runs, 'runs counted once per occurrence').toBe(passed.length)
      await admin.schedules.pause('chaos-tick')

      // Every enqueued job runs (the killed workers' jobs once their leases expire).
      const runs = db.collection<{ _id: string; runs: number }>('chaos_runs')
      await waitUntil(
        async () =>
          (await runs.countDocuments({ _id: { $in: instants.map((at) => new Date(at).toISOString()) } })) ===
          instants.length,
        'every occurrence to run',
        60_000,
        200,
      )
      const reruns = await runs.countDocuments({ runs: { $gt: 1 } })
      const lags = [...fleet.lags].sort((a, b) => a - b)
      const quantile = (q: number) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? 0
      console.info(
        `schedule chaos against ${mongo.target.kind} (${mongo.target.uri}): ${instants.length} occurrences in ${Math.round((windowEnd - windowStart) / 1_000)} s, ` +
          `each enqueued once; ${fleet.killsByParent} SIGKILLs by the parent, ${fleet.killsBetween} between insert and advance, ` +
          `${fleet.respawns} restarts, ${drops} connection drops, one clock ${SKEW_MS} ms ahead; ` +
          `${reruns} occurrences ran twice (worker killed mid-job: at-least-once); lag p50 ${quantile(0.5)} ms, p99 ${quantile(0.99)} ms`,
      )
      expect(fleet.killsBetween, 'some processes died between the insert and the advance').toBeGreaterThan(0)
    } finally {
      stopping = true
      for (const child of fleet.children.values()) child.kill('SIGKILL')
      await admin.shutdown()
    }
  })
})
