import { occurrenceKey } from '@durabl/core'
import { type CommandSnapshot, diffSnapshots, sumSnapshots } from '../command-meter.js'
import { type BenchContext, delay } from '../context.js'
import type { ScheduleEnqueuedSample, WorkerSnapshot, WorkerSpec } from '../ipc.js'
import type { ScheduleFleetResult } from '../results.js'
import { openScheduleAdmin } from '../systems/schedule-admin.js'
import { WorkerPool } from '../worker-pool.js'
import { type StoredOccurrences, summariseFleet } from './schedule-fleet-summary.js'

/** The fleet: processes, schedules, and their interval. */
export const FLEET = { processes: 3, schedules: 10, everyMs: 1_000 } as const
const FLEET_TYPE = 'scheduled'
/** The first occurrence is this far after the schedules are written: the workers start meanwhile. */
const START_MARGIN_MS = 10_000
/**
 * The steady window starts this long after the first occurrence, between two occurrences: the
 * first one, which every process races for, is behind it even on a loaded machine.
 */
const STEADY_AFTER_MS = 2_500
/** A standby takes over an occurrence its owner missed after this long (durabl's default takeoverMs). */
const TAKEOVER_MS = 5_000
/** After the last occurrence, how long stragglers may still arrive before the run is judged. */
const DRAIN_MS = TAKEOVER_MS + 10_000
/** Once the database holds every occurrence, how long their events may take to arrive. */
const EVENTS_GRACE_MS = 5_000

function commandsOf(snapshots: WorkerSnapshot[]): CommandSnapshot {
  const commands = snapshots.map((snapshot) => snapshot.commands)
  if (commands.some((entry) => entry === null)) throw new Error('a schedules worker sent no command counts')
  return sumSnapshots(commands as CommandSnapshot[])
}

async function waitUntil(condition: () => Promise<boolean>, deadlineMs: number): Promise<boolean> {
  while (!(await condition())) {
    if (Date.now() >= deadlineMs) return false
    await delay(250)
  }
  return true
}

/** What the database holds: the occurrence keys of its jobs, and how many jobs each. */
async function storedOccurrences(
  context: BenchContext,
  dbName: string,
  expectedKeys: Map<string, number>,
): Promise<StoredOccurrences> {
  const groups = await context.client
    .db(dbName)
    .collection('durabl_jobs')
    .aggregate<{ _id: string; count: number }>([
      { $match: { occurrenceKey: { $type: 'string' } } },
      { $group: { _id: '$occurrenceKey', count: { $sum: 1 } } },
    ])
    .toArray()
  const found = groups.filter((group) => expectedKeys.has(group._id))
  return {
    foundKeys: found.map((group) => group._id),
    found: found.length,
    missing: expectedKeys.size - found.length,
    duplicates: groups.filter((group) => group.count > 1).length,
    unexpected: groups.filter((group) => !expectedKeys.has(group._id)).length,
  }
}

/**
 * The fleet part of the schedules scenario: `FLEET.processes` worker processes (push on, durabl's
 * defaults) run `FLEET.schedules` schedules that fire every second from `startAt` to `endAt`; the
 * harness gathers every `schedule:enqueued` over IPC and counts each process's commands.
 */
export async function runScheduleFleet(context: BenchContext): Promise<ScheduleFleetResult> {
  const { config } = context
  const name = context.uniqueName('sched_fleet')
  const spanMs = Math.max(FLEET.everyMs, Math.round(config.schedulesWindowMs / FLEET.everyMs) * FLEET.everyMs)
  const firstMs = Math.ceil((Date.now() + START_MARGIN_MS) / 1000) * 1000
  const lastMs = firstMs + spanMs
  const ids = Array.from({ length: FLEET.schedules }, (_, index) => `every-second-${index + 1}`)
  /** Occurrence key → its instant (ms). */
  const expectedKeys = new Map(
    ids.flatMap((id) =>
      Array.from({ length: spanMs / FLEET.everyMs + 1 }, (_, step) => {
        const instantMs = firstMs + step * FLEET.everyMs
        return [occurrenceKey(id, new Date(instantMs)), instantMs] as const
      }),
    ),
  )
  const admin = await openScheduleAdmin(context.client, name)
  try {
    // Written before the workers start: each reads them at startup (a queue with no schedules
    // learns of new ones at its next scan, up to a minute later).
    await admin.upsertAll(
      ids.map((id) => ({
        id,
        everyMs: FLEET.everyMs,
        startAt: new Date(firstMs),
        endAt: new Date(lastMs),
        type: FLEET_TYPE,
      })),
    )
    const spec: WorkerSpec = {
      system: 'durabl',
      mode: 'schedules',
      types: [FLEET_TYPE],
      concurrency: 16,
      push: true,
      agendaProcessEveryMs: config.agendaProcessEveryMs,
      dbName: name,
    }
    const samples: ScheduleEnqueuedSample[] = []
    const byProcess: number[] = Array.from({ length: FLEET.processes }, () => 0)
    const pool = await WorkerPool.start(spec, FLEET.processes, context.mongoUri)
    try {
      pool.onScheduleEnqueued((sample, worker) => {
        samples.push(sample)
        byProcess[worker] = (byProcess[worker] ?? 0) + 1
      })
      const readyBeforeMs = firstMs - Date.now()
      if (readyBeforeMs < 1_000) {
        context.results.notes.push(
          `schedules: the fleet was ready only ${readyBeforeMs} ms before the first occurrence; its lag may show start-up`,
        )
      }
      pool.go()
      const start = commandsOf(await pool.snapshot('fleet-start'))
      const startedAt = performance.now()
      const steadyFromMs = firstMs + STEADY_AFTER_MS
      await delay(Math.max(0, steadyFromMs - Date.now()))
      const steadyStart = commandsOf(await pool.snapshot('fleet-steady'))
      await delay(Math.max(0, lastMs - Date.now()))
      // Every occurrence in the database (or reported), then every event: a process emits after
      // its compare-and-set, a round trip after the insert the database shows.
      const eventsComplete = async () => samples.length >= expectedKeys.size
      const complete = await waitUntil(
        async () =>
          (await eventsComplete()) ||
          (await storedOccurrences(context, name, expectedKeys)).found >= expectedKeys.size,
        lastMs + DRAIN_MS,
      )
      await waitUntil(eventsComplete, Date.now() + EVENTS_GRACE_MS)
      await delay(1_000) // late duplicates, and the last occurrence's trailing commands
      const end = commandsOf(await pool.snapshot('fleet-end'))
      const seconds = (performance.now() - startedAt) / 1000
      return summariseFleet({
        fleet: FLEET,
        samples,
        byProcess,
        whole: diffSnapshots(start, end),
        steady: diffSnapshots(steadyStart, end),
        firstMs,
        steadyFromMs,
        stored: await storedOccurrences(context, name, expectedKeys),
        expectedKeys,
        seconds,
        complete,
      })
    } finally {
      pool.onScheduleEnqueued(null)
      await pool.stop()
    }
  } finally {
    await admin.close()
    await context.client.db(name).dropDatabase()
  }
}
