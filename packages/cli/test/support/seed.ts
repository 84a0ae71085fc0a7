import type { JobError, NewJob } from '@durabl/core'
import { MongoBackend } from '@durabl/mongo'
import type { MongoHarness } from '@durabl/mongo-server/harness'
import type { Db } from 'mongodb'

/** The time every seeded scenario is built around; the CLI is run with `--now` set to it. */
export const T = new Date('2030-01-01T12:00:00.000Z')
export const SECOND = 1_000
export const MINUTE = 60 * SECOND
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR

export function at(offsetMs: number): Date {
  return new Date(T.getTime() + offsetMs)
}

export function newJob(type: string, fields: Partial<NewJob> = {}): NewJob {
  return {
    type,
    data: { email: `${type}@example.com` },
    priority: 0,
    runAt: T,
    maxAttempts: 3,
    backoff: { type: 'fixed', delayMs: 1_000 },
    timeoutMs: null,
    dedupeKey: null,
    dedupeScope: null,
    metadata: {},
    ...fields,
  }
}

/** A backend on a fresh database of the harness, with its indexes. */
export async function seededBackend(
  mongo: MongoHarness,
): Promise<{ db: Db; backend: MongoBackend; uri: string }> {
  const db = await mongo.db()
  const backend = new MongoBackend({ db, useChangeStreams: false })
  await backend.startup()
  return { db, backend, uri: mongo.target.connectionString }
}

export async function enqueue(backend: MongoBackend, job: NewJob, now = job.runAt): Promise<string> {
  const [id] = await backend.enqueueJobs({ jobs: [job], now })
  if (id === null || id === undefined) throw new Error('enqueue was deduplicated')
  return id
}

/** Enqueues a job due at `startedAt` and claims it then; it must be the only due job of its type. */
export async function startJob(
  backend: MongoBackend,
  type: string,
  startedAt: Date,
  fields: Partial<NewJob> = {},
) {
  const id = await enqueue(backend, newJob(type, { runAt: startedAt, ...fields }), startedAt)
  const [job] = await backend.claimJobs({
    types: [{ type, limit: 1, leaseMs: 60_000 }],
    limit: 1,
    workerId: 'seed-worker',
    now: startedAt,
  })
  if (job?.id !== id) throw new Error(`expected to claim ${id}, claimed ${job?.id}`)
  return job
}

export async function completedJob(backend: MongoBackend, type: string, finishedAt: Date): Promise<string> {
  const job = await startJob(backend, type, new Date(finishedAt.getTime() - SECOND))
  await backend.completeJobs({
    jobs: [{ id: job.id, leaseToken: job.leaseToken!, result: { ok: true } }],
    now: finishedAt,
  })
  return job.id
}

export async function failedJob(
  backend: MongoBackend,
  type: string,
  finishedAt: Date,
  message = 'smtp said no',
): Promise<string> {
  const job = await startJob(backend, type, new Date(finishedAt.getTime() - SECOND))
  const error: JobError = {
    attempt: 1,
    name: 'TypeError',
    message,
    code: 'E_SMTP',
    stack: `TypeError: ${message}\n    at send (mailer.js:1:1)`,
    fatal: true,
    at: finishedAt,
  }
  await backend.failJobs({
    jobs: [
      {
        id: job.id,
        leaseToken: job.leaseToken!,
        dedupeKey: job.dedupeKey,
        dedupeScope: job.dedupeScope,
        error,
        retryAt: null,
        logs: [{ attempt: 1, message: 'connecting to smtp', at: finishedAt }],
        progress: { sent: 0 },
      },
    ],
    now: finishedAt,
  })
  return job.id
}

export interface Scenario {
  uri: string
  db: Db
  backend: MongoBackend
  emailPending: string[]
  emailDelayed: string
  emailActive: string
  emailCompleted: string[]
  reportFailed: string[]
  reportCancelled: string
}

/**
 * At T: `email` has 3 due jobs (the oldest due 3m12s), 1 delayed, 1 active, 2 completed (10 days
 * and 1 day ago); `report` has 2 failed (8 days and 2 hours ago) and 1 cancelled.
 */
export async function seedScenario(mongo: MongoHarness): Promise<Scenario> {
  const { db, backend, uri } = await seededBackend(mongo)
  const emailCompleted = [
    await completedJob(backend, 'email', at(-10 * DAY)),
    await completedJob(backend, 'email', at(-DAY)),
  ]
  const reportFailed = [
    await failedJob(backend, 'report', at(-8 * DAY)),
    await failedJob(backend, 'report', at(-2 * HOUR)),
  ]
  const emailActive = (await startJob(backend, 'email', at(-30 * SECOND))).id
  const reportCancelled = await enqueue(backend, newJob('report', { runAt: at(HOUR) }), at(-HOUR))
  await backend.cancelJobs({ ids: [reportCancelled], now: at(-HOUR) })
  const emailPending = [
    await enqueue(backend, newJob('email', { runAt: at(-(3 * MINUTE + 12 * SECOND)) }), at(-HOUR)),
    await enqueue(backend, newJob('email', { runAt: at(-MINUTE) }), at(-HOUR)),
    await enqueue(backend, newJob('email', { runAt: at(-10 * SECOND) }), at(-HOUR)),
  ]
  const emailDelayed = await enqueue(backend, newJob('email', { runAt: at(HOUR) }), at(-HOUR))
  return {
    uri,
    db,
    backend,
    emailPending,
    emailDelayed,
    emailActive,
    emailCompleted,
    reportFailed,
    reportCancelled,
  }
}

/** The connection flags for a scenario's database, with `--now` at T. */
export function target(scenario: { uri: string; db: Db }): string[] {
  return ['--uri', scenario.uri, '--db', scenario.db.databaseName, '--now', T.toISOString()]
}
