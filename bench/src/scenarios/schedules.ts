import { applicationCommands, diffSnapshots } from '../command-meter.js'
import { type BenchContext, delay } from '../context.js'
import type { WorkerSpec } from '../ipc.js'
import type { ScheduleIdleResult, SchedulesResult } from '../results.js'
import { round } from '../stats.js'
import { openScheduleAdmin } from '../systems/schedule-admin.js'
import { WorkerPool } from '../worker-pool.js'
import { runScheduleFleet } from './schedule-fleet.js'

const DAY_MS = 86_400_000
const IDLE_TYPE = 'idle-type-1'
/** The schedules of the idle comparison: none, and this many that are not due in the window. */
export const IDLE_SCHEDULE_COUNTS = [0, 100] as const

interface IdlePlan {
  schedules: number
  push: boolean
  setting: string
}

async function measureIdle(context: BenchContext, plan: IdlePlan): Promise<ScheduleIdleResult> {
  const { config } = context
  const name = context.uniqueName('sched_idle')
  const admin = await openScheduleAdmin(context.client, name)
  try {
    // Every day from tomorrow: stored, armed, and never due in the window whatever the hour.
    const startAt = new Date(Date.now() + DAY_MS)
    await admin.upsertAll(
      Array.from({ length: plan.schedules }, (_, index) => ({
        id: `daily-${index + 1}`,
        everyMs: DAY_MS,
        startAt,
        type: IDLE_TYPE,
      })),
    )
    const spec: WorkerSpec = {
      system: 'durabl',
      mode: 'idle',
      types: [IDLE_TYPE],
      concurrency: 16,
      push: plan.push,
      agendaProcessEveryMs: config.agendaProcessEveryMs,
      dbName: name,
    }
    // The worker reads the schedules at startup, before it reports ready.
    const pool = await WorkerPool.start(spec, 1, context.mongoUri)
    try {
      pool.go()
      await delay(config.idleWarmupMs)
      const [before] = await pool.snapshot('idle-start')
      const startedAt = performance.now()
      await delay(config.schedulesIdleWindowMs)
      const [after] = await pool.snapshot('idle-end')
      const seconds = (performance.now() - startedAt) / 1000
      if (!before?.commands || !after?.commands) throw new Error('the idle worker sent no command counts')
      const window = diffSnapshots(before.commands, after.commands)
      return {
        schedules: plan.schedules,
        push: plan.push,
        setting: plan.setting,
        windowSeconds: round(seconds),
        commandsPerSecond: round(applicationCommands(window) / seconds),
        scheduleCommandsPerSecond: round(window.counts.schedule / seconds),
        byCommand: window.byOperation,
        heartbeatsPerSecond: round(window.heartbeats / seconds),
      }
    } finally {
      await pool.stop()
    }
  } finally {
    await admin.close()
    await context.client.db(name).dropDatabase()
  }
}

/**
 * Scenario schedules (durabl only): (1) what stored schedules cost an idle process, 0 against 100
 * not due in the window, push on and off; (2) a fleet of processes firing schedules every second:
 * the lag from each occurrence to its firing, the commands per occurrence fleet-wide, and whether
 * every occurrence was enqueued exactly once.
 */
export async function runSchedulesScenario(context: BenchContext): Promise<void> {
  if (!context.systems.includes('durabl')) {
    context.log('schedules: durabl not selected, skipped')
    return
  }
  const result: SchedulesResult = { idle: [], fleet: null }
  context.results.schedules = result
  const plans: IdlePlan[] = IDLE_SCHEDULE_COUNTS.flatMap((schedules) => [
    { schedules, push: true, setting: 'defaults: change stream, scan 60 s, poll 60 s, recovery 15 s' },
    { schedules, push: false, setting: 'useChangeStreams false: scan 60 s, poll 5 s, recovery 15 s' },
  ])
  // Side by side: each plan is its own process and database, and command counts do not depend on
  // load, so one window serves all four (the scan interval makes each window a minute).
  const measured = await Promise.all(plans.map((plan) => measureIdle(context, plan)))
  for (const entry of measured) {
    result.idle.push(entry)
    context.log(
      `schedules idle ${entry.schedules} schedule(s) push ${entry.push ? 'on' : 'off'}: ${entry.commandsPerSecond} commands/s (schedule ${entry.scheduleCommandsPerSecond}/s) ${JSON.stringify(entry.byCommand)}`,
    )
  }
  const fleet = await runScheduleFleet(context)
  result.fleet = fleet
  context.log(
    `schedules fleet ${fleet.processes} processes × ${fleet.schedules} schedules every ${fleet.everyMs} ms: ` +
      `${fleet.enqueued} enqueued of ${fleet.expected} expected (${fleet.exact ? 'exact' : 'NOT exact'}; ` +
      `${fleet.enqueuedEvents} events, ${fleet.occurrencesWithoutEvent} occurrences without one), ` +
      `lag p50 ${fleet.lag.p50Ms} / p99 ${fleet.lag.p99Ms} / max ${fleet.lag.maxMs} ms, ` +
      `${fleet.commandsPerOccurrence} schedule commands per occurrence (steady ${fleet.steadyCommandsPerOccurrence}) ` +
      `${JSON.stringify(fleet.byCommand)}; by process ${JSON.stringify(fleet.enqueuedByProcess)}` +
      (fleet.error ? `; ${fleet.error}` : ''),
  )
}
