import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type Job, JobQueue, type TypeLimits } from '@durabl/core'
import { useMongo } from '@durabl/mongo-server/harness'
import type { Db } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { MongoBackend } from '../src/index.js'
import { waitUntil } from './support/wait-until.js'

/**
 * Fleet-wide concurrency limits held by four queues on one database (each its own client and
 * MongoBackend): at most 3 jobs of the type active at once, at most 1 per key, checked in storage
 * at every start; also while a worker process that was SIGKILLed mid-job still holds slots, which
 * free only when recovery returns its expired leases.
 *
 * mongod behaviour relied on: a unique index with a `partialFilterExpression` (`$type: 'string'`)
 * refuses a write that would give two matching documents the same key, with E11000, and ignores
 * documents where the field is missing (manual "Partial Indexes" → "Partial Index with Unique
 * Constraint"); in an unordered bulkWrite a refused statement does not stop the others (manual
 * "db.collection.bulkWrite()" → "Unordered Operations"); `$unset` of a field removes its index key.
 */
const mongo = await useMongo()
const fixture = fileURLToPath(new URL('./fixtures/limited-worker.mjs', import.meta.url))
const builtBackend = fileURLToPath(new URL('../dist/index.js', import.meta.url))

const LIMITS: TypeLimits = { concurrency: 3, perKey: { concurrency: 1 } }
const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5']
const LEASE_MS = 1_500

interface Observed {
  started: Job[]
  maxActive: number
  maxActiveOfKey: number
  maxRunning: number
}

/** Four queues under LIMITS; each start counts the active jobs in storage, overall and of its key. */
async function startFleet(db: Db, observed: Observed): Promise<JobQueue[]> {
  const checker = new MongoBackend({ db })
  let running = 0
  const queues: JobQueue[] = []
  for (let index = 0; index < 4; index++) {
    const client = await mongo.newClient()
    const queue = new JobQueue(new MongoBackend({ db: client.db(db.databaseName) }), {
      workerId: `capped-${index}`,
      recoverIntervalMs: 200,
      limitsFor: (type) => (type === 'capped' ? LIMITS : null),
    })
    queue.process(
      'capped',
      async (job) => {
        running += 1
        observed.maxRunning = Math.max(observed.maxRunning, running)
        observed.started.push(job)
        const [active, activeOfKey] = await Promise.all([
          checker.collection.countDocuments({ state: 'active', type: 'capped' }),
          checker.collection.countDocuments({ state: 'active', type: 'capped', limitKey: job.limitKey }),
        ])
        observed.maxActive = Math.max(observed.maxActive, active)
        observed.maxActiveOfKey = Math.max(observed.maxActiveOfKey, activeOfKey)
        // The job's work: a few milliseconds, so attempts overlap across the fleet.
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20))
        running -= 1
      },
      { concurrency: 4, leaseMs: LEASE_MS, pollIntervalMs: 1_000 },
    )
    queues.push(queue)
  }
  await Promise.all(queues.map((queue) => queue.startup()))
  return queues
}

async function enqueueKeyed(db: Db, perKey: number): Promise<string[]> {
  const producer = new JobQueue(new MongoBackend({ db }))
  const ids = await producer.enqueueMany(
    Array.from({ length: KEYS.length * perKey }, (_, n) => ({
      type: 'capped',
      data: { n },
      options: { limitKey: KEYS[n % KEYS.length] as string },
    })),
  )
  return ids as string[]
}

function completedCount(db: Db): Promise<number> {
  return db.collection('durabl_jobs').countDocuments({ state: 'completed' })
}

describe('fleet-wide concurrency limits across four queues', () => {
  it('never runs more than 3 jobs of the type, nor 2 of one key, at once', { timeout: 90_000 }, async () => {
    const db = await mongo.db()
    const ids = await enqueueKeyed(db, 8)
    const observed: Observed = { started: [], maxActive: 0, maxActiveOfKey: 0, maxRunning: 0 }
    const queues = await startFleet(db, observed)
    try {
      await waitUntil(async () => (await completedCount(db)) === ids.length, 'every job completed', 60_000)
    } finally {
      await Promise.all(queues.map((queue) => queue.shutdown(5_000)))
    }
    expect(observed.started.map((job) => job.id).sort()).toEqual([...ids].sort())
    expect(observed.maxActive).toBeLessThanOrEqual(3)
    expect(observed.maxActiveOfKey).toBe(1)
    expect(observed.maxRunning).toBeLessThanOrEqual(3)
    // Every slot is free again: no limit slot outlives its job.
    expect(await db.collection('durabl_jobs').countDocuments({ limitSlots: { $exists: true } })).toBe(0)
  })

  it('keeps the limits while a killed worker holds slots, and frees them when its leases expire', {
    timeout: 90_000,
  }, async (context) => {
    if (!existsSync(builtBackend))
      context.skip('needs the built package (dist/index.js): run `npx tsup` first')
    const db = await mongo.db()
    const ids = await enqueueKeyed(db, 4)
    const dead = new Set<string>()
    let output = ''
    let errors = ''
    const child: ChildProcess = spawn(process.execPath, [fixture], {
      env: {
        ...process.env,
        DURABL_MONGO_URI: mongo.target.connectionString,
        DURABL_MONGO_DB: db.databaseName,
        DURABL_LEASE_MS: String(LEASE_MS),
        DURABL_CONCURRENCY: '2',
        DURABL_LIMITS: JSON.stringify(LIMITS),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      for (const match of output.matchAll(/started ([0-9a-f]{24})/g)) dead.add(match[1] as string)
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      errors += chunk.toString()
    })
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    )
    try {
      await waitUntil(() => dead.size === 2, `the child to start 2 jobs (stderr: ${errors})`, 20_000)
    } finally {
      child.kill('SIGKILL')
    }
    expect(await exited).toBe('SIGKILL')
    // The dead worker's jobs are active, holding a type slot and a key slot each.
    const backend = new MongoBackend({ db })
    const deadJobs = await Promise.all([...dead].map((id) => backend.getJob({ id })))
    const leaseEndOfKey = new Map<string, number>()
    for (const job of deadJobs) {
      expect(job?.state).toBe('active')
      leaseEndOfKey.set(job?.limitKey as string, job?.leaseExpiresAt?.getTime() as number)
    }
    expect(await backend.collection.countDocuments({ 'limitSlots.type': { $type: 'string' } })).toBe(2)

    const observed: Observed = { started: [], maxActive: 0, maxActiveOfKey: 0, maxRunning: 0 }
    const queues = await startFleet(db, observed)
    try {
      await waitUntil(async () => (await completedCount(db)) === ids.length, 'every job completed', 60_000)
    } finally {
      await Promise.all(queues.map((queue) => queue.shutdown(5_000)))
    }
    expect(observed.maxActive).toBeLessThanOrEqual(3)
    expect(observed.maxActiveOfKey).toBe(1)
    // While the dead jobs held 2 of the 3 slots, the fleet ran one job at a time; no job of a key
    // the dead worker held started before that job's lease expired.
    for (const job of observed.started) {
      const leaseEnd = leaseEndOfKey.get(job.limitKey as string)
      if (leaseEnd !== undefined) expect(job.startedAt?.getTime()).toBeGreaterThanOrEqual(leaseEnd)
    }
    // The dead worker's jobs ran again, on their second attempt, once recovery freed their slots.
    const rerun = observed.started.filter((job) => dead.has(job.id))
    expect(rerun.map((job) => job.attempts)).toEqual([2, 2])
    expect(await db.collection('durabl_jobs').countDocuments({ limitSlots: { $exists: true } })).toBe(0)
  })
})
