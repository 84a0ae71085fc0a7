import { applicationCommands, diffSnapshots } from '../command-meter.js'
import type { SystemName } from '../config.js'
import { type BenchContext, delay } from '../context.js'
import type { WorkerSpec } from '../ipc.js'
import type { IdleResult } from '../results.js'
import { round } from '../stats.js'
import { WorkerPool } from '../worker-pool.js'

interface IdlePlan {
  system: SystemName
  types: number
  push: boolean
  setting: string
}

async function measure(context: BenchContext, plan: IdlePlan): Promise<IdleResult> {
  const { config } = context
  const name = context.uniqueName(`idle_${plan.system}`)
  const spec: WorkerSpec = {
    system: plan.system,
    mode: 'idle',
    types: Array.from({ length: plan.types }, (_, index) => `idle-type-${index + 1}`),
    concurrency: 16,
    push: plan.push,
    agendaProcessEveryMs: config.agendaProcessEveryMs,
    dbName: name,
  }
  const pool = await WorkerPool.start(spec, 1, context.mongoUri)
  try {
    pool.go()
    await delay(config.idleWarmupMs)
    const [before] = await pool.snapshot('idle-start')
    const startedAt = performance.now()
    await delay(config.idleWindowMs)
    const [after] = await pool.snapshot('idle-end')
    const seconds = (performance.now() - startedAt) / 1000
    if (!before?.commands || !after?.commands) throw new Error('the idle worker sent no command counts')
    const window = diffSnapshots(before.commands, after.commands)
    return {
      system: plan.system,
      types: plan.types,
      push: plan.push,
      setting: plan.setting,
      windowSeconds: round(seconds),
      commandsPerSecond: round(applicationCommands(window) / seconds),
      byCategory: window.counts,
      byCommand: window.byCommand,
      heartbeatsPerSecond: round(window.heartbeats / seconds),
      driverCommandsPerSecond: round(window.counts.driver / seconds),
    }
  } finally {
    await pool.stop()
    await context.client.db(name).dropDatabase()
  }
}

/**
 * Scenario 5: what one idle process costs its database, per second: registered types and no
 * jobs, after a warm-up, over a window. Application commands apart from driver monitoring.
 */
export async function runIdleScenario(context: BenchContext): Promise<void> {
  const { config } = context
  const plans: IdlePlan[] = []
  if (context.systems.includes('durabl')) {
    for (const types of [1, 20]) {
      plans.push({
        system: 'durabl',
        types,
        push: true,
        setting: 'defaults: change stream (getMore held 10 s), poll 60 s, recovery 15 s',
      })
      plans.push({
        system: 'durabl',
        types,
        push: false,
        setting: 'defaults: useChangeStreams false, poll 5 s, recovery 15 s',
      })
    }
  }
  if (context.systems.includes('agenda')) {
    for (const types of [1, 20]) {
      plans.push({
        system: 'agenda',
        types,
        push: false,
        setting: `processEvery ${config.agendaProcessEveryMs} ms`,
      })
    }
  }
  for (const plan of plans) {
    const result = await measure(context, plan)
    context.results.idle.push(result)
    context.log(
      `idle ${plan.system} ${plan.types} type(s) push ${plan.push ? 'on' : 'off'}: ${result.commandsPerSecond} commands/s (+ ${result.heartbeatsPerSecond} heartbeats/s) ${JSON.stringify(result.byCommand)}`,
    )
  }
}
