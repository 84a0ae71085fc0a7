import type { TypeLimits } from '@durabl/core'
import {
  applicationCommands,
  type CommandSnapshot,
  diffSnapshots,
  emptyCounts,
  sumSnapshots,
} from '../command-meter.js'
import type { SystemName } from '../config.js'
import { type BenchContext, openProducer } from '../context.js'
import type { WorkerSnapshot, WorkerSpec } from '../ipc.js'
import type { ThroughputResult } from '../results.js'
import { round } from '../stats.js'
import { WorkerPool } from '../worker-pool.js'

const EMPTY: CommandSnapshot = {
  counts: emptyCounts(),
  byCommand: {},
  durationMs: {},
  heartbeats: 0,
  byOperation: {},
}

function pairCommands(snapshots: WorkerSnapshot[]): CommandSnapshot | null {
  const commands = snapshots.map((snapshot) => snapshot.commands)
  if (commands.some((entry) => entry === null)) return null
  return sumSnapshots(commands as CommandSnapshot[])
}

export interface ProcessingRunParams {
  system: SystemName
  instances: number
  concurrency: number
  jobs: number
  /** Overrides the configured run cap (the round-trip scenario's slow runs). */
  runCapMs?: number
  /** durabl: fleet-wide limits of the job type, and how many limit keys the jobs spread over. */
  limits?: TypeLimits
  limitKeys?: number
}

/**
 * One processing run: the harness enqueues `jobs` no-op jobs (in bulk), forks `instances` worker
 * processes, tells them to go and measures the time until every job completed (or the run cap).
 * Workers are snapshotted at 10% and 90% of the jobs: commands and completions between the two
 * give the steady-state commands per job, without start-up and tail.
 */
export async function runProcessing(
  context: BenchContext,
  params: ProcessingRunParams,
): Promise<ThroughputResult> {
  const { config } = context
  const { system, instances, concurrency, jobs } = params
  const name = context.uniqueName(`run_${system}`)
  const producer = await openProducer(context, system, name)
  let pool: WorkerPool | null = null
  try {
    await producer.enqueueBulk('bench', jobs, config.bulkSize, params.limitKeys)
    const spec: WorkerSpec = {
      system,
      mode: 'count',
      types: [system === 'bullmq' ? name : 'bench'],
      concurrency,
      push: system === 'durabl',
      agendaProcessEveryMs: config.agendaProcessEveryMs,
      dbName: name,
      ...(params.limits === undefined ? {} : { limits: params.limits }),
      ...(context.redis ? { redis: { host: context.redis.host, port: context.redis.port } } : {}),
    }
    pool = await WorkerPool.start(spec, instances, context.mongoUri)
    const activePool = pool
    let early: Promise<WorkerSnapshot[]> | null = null
    let late: Promise<WorkerSnapshot[]> | null = null
    const startedAt = performance.now()
    activePool.go()
    // The harness's own CPU over the same window: on the in-process server, the server's work.
    let harnessCpuEarly: NodeJS.CpuUsage | null = null
    let harnessCpuMicros: number | null = null
    const drained = await activePool.waitForCompleted(
      jobs,
      params.runCapMs ?? config.runCapMs,
      (completed) => {
        if (early === null && completed >= jobs * 0.1) {
          harnessCpuEarly = process.cpuUsage()
          early = activePool.snapshot('p10')
        }
        if (late === null && completed >= jobs * 0.9) {
          if (harnessCpuEarly !== null) {
            const used = process.cpuUsage(harnessCpuEarly)
            harnessCpuMicros = used.user + used.system
          }
          late = activePool.snapshot('p90')
        }
      },
    )
    const seconds = (performance.now() - startedAt) / 1000
    const final = await activePool.snapshot('end')
    const completed = drained ? jobs : final.reduce((sum, snapshot) => sum + snapshot.completed, 0)

    const from = early === null ? null : await (early as Promise<WorkerSnapshot[]>)
    const to = late === null ? final : await (late as Promise<WorkerSnapshot[]>)
    const fromCommands = from === null ? EMPTY : pairCommands(from)
    const toCommands = pairCommands(to)
    const doneFrom = from === null ? 0 : from.reduce((sum, snapshot) => sum + snapshot.completed, 0)
    const doneTo = to.reduce((sum, snapshot) => sum + snapshot.completed, 0)
    const steadyJobs = Math.max(1, doneTo - doneFrom)
    const perJob = (counts: Record<string, number>, divisor: number) =>
      Object.fromEntries(Object.entries(counts).map(([key, count]) => [key, round(count / divisor)]))
    let steadyCommandsPerJob: number | null = null
    let steadyByCategory: ThroughputResult['steadyByCategory'] = null
    let steadyByCommand: ThroughputResult['steadyByCommand'] = null
    let steadyMeanRoundTripMs: ThroughputResult['steadyMeanRoundTripMs'] = null
    if (fromCommands !== null && toCommands !== null) {
      const steady = diffSnapshots(fromCommands, toCommands)
      steadyCommandsPerJob = round(applicationCommands(steady) / steadyJobs)
      steadyByCategory = emptyCounts()
      for (const [category, count] of Object.entries(steady.counts)) {
        steadyByCategory[category as keyof typeof steadyByCategory] = round(count / steadyJobs)
      }
      steadyByCommand = perJob(steady.byCommand, steadyJobs)
      steadyMeanRoundTripMs = Object.fromEntries(
        Object.entries(steady.durationMs).map(([key, total]) => [
          key,
          round(total / (steady.byCommand[key] ?? 1)),
        ]),
      )
    }
    const harnessMicros = harnessCpuMicros as number | null // assigned in the progress callback
    const whole = pairCommands(final)
    const wholeRunCommandsPerJob =
      whole === null ? null : round(applicationCommands(whole) / Math.max(1, completed))
    const wholeRunByCommand = whole === null ? null : perJob(whole.byCommand, Math.max(1, completed))
    const cpuMicros = final.reduce((sum, snapshot) => sum + snapshot.cpuMicros, 0)
    return {
      system,
      instances,
      concurrency,
      jobs,
      completed,
      drained,
      seconds: round(seconds),
      jobsPerSecond: round(completed / seconds),
      steadyCommandsPerJob,
      steadyByCategory,
      steadyByCommand,
      steadyMeanRoundTripMs,
      wholeRunCommandsPerJob,
      wholeRunByCommand,
      workerCpuMicrosPerJob: round(cpuMicros / Math.max(1, completed)),
      ...(harnessMicros === null ? {} : { harnessCpuMicrosPerJob: round(harnessMicros / steadyJobs) }),
    }
  } finally {
    await pool?.stop()
    await producer.dispose()
  }
}
