import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type Job, JobQueue } from '@durabl/core'
import { useMongo } from '@durabl/mongo-server/harness'
import { describe, expect, it } from 'vitest'
import { MongoBackend } from '../src/index.js'
import { waitUntil } from './support/wait-until.js'

const mongo = await useMongo()
const fixture = fileURLToPath(new URL('./fixtures/crash-worker.mjs', import.meta.url))
const builtBackend = fileURLToPath(new URL('../dist/index.js', import.meta.url))
const LEASE_MS = 1_500
const JOBS = 6

describe('a worker killed mid-job', () => {
  it('loses nothing: another worker runs its jobs once the leases expire', async (context) => {
    if (!existsSync(builtBackend))
      context.skip('needs the built package (dist/index.js): run `npx tsup` first')
    const db = await mongo.db()
    const backend = new MongoBackend({ db })
    const producer = new JobQueue(backend)
    await producer.startup()
    const ids = await producer.enqueueMany(
      Array.from({ length: JOBS }, (_, n) => ({ type: 'crash', data: { n } })),
    )

    const started = new Set<string>()
    let output = ''
    const child: ChildProcess = spawn(process.execPath, [fixture], {
      env: {
        ...process.env,
        DURABL_MONGO_URI: mongo.target.connectionString,
        DURABL_MONGO_DB: db.databaseName,
        DURABL_LEASE_MS: String(LEASE_MS),
        DURABL_CONCURRENCY: String(JOBS),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      for (const match of output.matchAll(/started ([0-9a-f]{24})/g)) started.add(match[1] as string)
    })
    let errors = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      errors += chunk.toString()
    })
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    )
    try {
      await waitUntil(
        () => started.size === JOBS,
        `the child to start all ${JOBS} jobs (stderr: ${errors})`,
        20_000,
      )
    } finally {
      child.kill('SIGKILL')
    }
    expect(await exited).toBe('SIGKILL')
    const leaseEnds = new Map<string, number>()
    for (const id of ids) {
      const job = await backend.getJob({ id: id as string })
      expect(job?.state).toBe('active')
      leaseEnds.set(id as string, job?.leaseExpiresAt?.getTime() ?? Number.NaN)
    }

    const ran: Job[] = []
    const rescuer = new JobQueue(new MongoBackend({ db }), { workerId: 'rescuer', recoverIntervalMs: 200 })
    rescuer.process(
      'crash',
      (job) => {
        ran.push(job)
      },
      { leaseMs: LEASE_MS, pollIntervalMs: 100 },
    )
    await rescuer.startup()
    try {
      await waitUntil(() => ran.length >= JOBS, 'the rescuer to run every job', 20_000)
      await waitUntil(
        async () => (await backend.getStats({ now: new Date() })).total.completed === JOBS,
        'every job completed',
      )
    } finally {
      await rescuer.shutdown(5_000)
    }
    expect(ran.map((job) => job.id).sort()).toEqual([...(ids as string[])].sort())
    for (const job of ran) {
      expect(job.attempts).toBe(2)
      expect(job.lastError?.message).toMatch(/lease/i)
    }
    // The rescuer could only take each job after the dead worker's lease on it ran out.
    for (const job of ran)
      expect(job.startedAt?.getTime()).toBeGreaterThanOrEqual(leaseEnds.get(job.id) as number)
  }, 60_000)
})
