/**
 * The benchmark harness: durabl against Agenda and BullMQ on the same servers in the same run, and
 * durabl's MongoDB round-trip budget. `pnpm bench` from the repository root; BENCHMARKS.md lists
 * the BENCH_* settings.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { acquireMongoTarget, releaseMongoTarget } from '@durabl/mongo-server/harness'
import { MongoClient } from 'mongodb'
import { CommandMeter } from './command-meter.js'
import { type BenchConfig, resolveBenchConfig, type ScenarioName } from './config.js'
import { type BenchContext, uniqueName } from './context.js'
import { type RedisInstance, startRedis } from './redis-server.js'
import { renderMemorySvg, renderRoundTripSvg } from './report/line-charts.js'
import { renderMarkdown } from './report/markdown.js'
import { renderThroughputSvg } from './report/svg.js'
import { evaluateTargets } from './report/targets.js'
import type { BenchResults, TargetInfo } from './results.js'
import { runCpuScenario } from './scenarios/cpu.js'
import { runEnqueueScenario } from './scenarios/enqueue.js'
import { runIdleScenario } from './scenarios/idle.js'
import { runLatencyScenario } from './scenarios/latency.js'
import { runLimitsScenario } from './scenarios/limits.js'
import { runMemoryScenario } from './scenarios/memory.js'
import { runRoundTripScenario } from './scenarios/round-trip.js'
import { FLEET } from './scenarios/schedule-fleet.js'
import { IDLE_SCHEDULE_COUNTS, runSchedulesScenario } from './scenarios/schedules.js'
import { runCommandsScenario, runThroughputScenario } from './scenarios/throughput.js'
import { round } from './stats.js'
import { agendaSettings } from './systems/agenda-worker.js'

const BENCH_ROOT = fileURLToPath(new URL('..', import.meta.url))
const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url))
const BENCHMARKS_MD = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url))
const RESULTS_START = '<!-- bench:results:start -->'
const RESULTS_END = '<!-- bench:results:end -->'

const PACKAGES = [
  '@durabl/core',
  '@durabl/mongo',
  'agenda',
  '@agendajs/mongo-backend',
  'bullmq',
  'ioredis',
  'mongodb',
]

const RUNNERS: Record<ScenarioName, (context: BenchContext) => Promise<void>> = {
  cpu: runCpuScenario,
  enqueue: runEnqueueScenario,
  throughput: runThroughputScenario,
  latency: runLatencyScenario,
  commands: runCommandsScenario,
  idle: runIdleScenario,
  schedules: runSchedulesScenario,
  'round-trip': runRoundTripScenario,
  limits: runLimitsScenario,
  memory: runMemoryScenario,
}

function log(line: string): void {
  process.stdout.write(`${line}\n`)
}

async function packageVersion(name: string): Promise<string> {
  try {
    const path = `${BENCH_ROOT}node_modules/${name}/package.json`
    return (JSON.parse(await readFile(path, 'utf8')) as { version: string }).version
  } catch {
    return 'unknown'
  }
}

function targetCaveat(kind: string): string {
  switch (kind) {
    case 'in-process':
      return (
        'Numbers on the in-process server (the TypeScript wire-protocol server of @durabl/mongo-server, running in the ' +
        'harness process on the same cores) measure the client side and the round trips, not MongoDB. Command ' +
        'counts are exact; rates and latencies are not what a mongod would give.'
      )
    case 'memory-server':
      return 'A real mongod (mongodb-memory-server, one-node replica set) on this machine, sharing its cores.'
    default:
      return 'MONGO_URL: the MongoDB the harness was pointed at.'
  }
}

function settingsOf(config: BenchConfig): Record<string, unknown> {
  return {
    jobsPerRun: config.jobs,
    agendaJobsPerRun: config.agendaJobs,
    enqueueOneByOneJobs: config.enqueueJobs,
    bulkSize: config.bulkSize,
    runCapMs: config.runCapMs,
    concurrencies: config.concurrencies,
    processes: config.instances,
    durablThroughput: 'defaults (change streams on, leaseMs 30 s), instanceConcurrency max(100, concurrency)',
    durablPollLatency: `useChangeStreams: false, pollIntervalMs: ${config.pollIntervalMs}`,
    agenda: {
      ...agendaSettings({ concurrency: 16, agendaProcessEveryMs: config.agendaProcessEveryMs }),
      defaultConcurrency: 'the run concurrency',
      maxConcurrency: 'max(20, the run concurrency)',
      lockLimit: 'default (0: no limit)',
    },
    bullmq:
      'Worker defaults but concurrency; jobs kept after completion (BullMQ default), as durabl keeps them',
    latencySamples: {
      push: config.latencySamples,
      poll: config.pollLatencySamples,
      gapMs: config.latencyGapMs,
    },
    idle: { warmupMs: config.idleWarmupMs, windowMs: config.idleWindowMs },
    schedules: {
      idle: {
        schedules: IDLE_SCHEDULE_COUNTS,
        notDue: 'everyMs one day, startAt tomorrow',
        warmupMs: config.idleWarmupMs,
        windowMs: config.schedulesIdleWindowMs,
      },
      fleet: { ...FLEET, spanMs: config.schedulesWindowMs, push: true },
      durabl: 'defaults: schedules.scanIntervalMs 60 s, schedules.takeoverMs 5 s',
    },
    cpuJobs: config.cpuJobs,
    roundTrip: {
      addedReplyDelaysMs: config.roundTripDelaysMs,
      jobsPerRun: config.roundTripJobs,
      latencySamples: config.roundTripLatencySamples,
      concurrency: 16,
    },
    memory: { jobs: config.memoryJobs, sampleEveryJobs: config.memorySampleEveryJobs, concurrency: 16 },
    limits: { claimBatch: 16, limitKeys: config.limitKeys, throughputConcurrency: 16 },
  }
}

async function main(): Promise<void> {
  const config = resolveBenchConfig()
  const startedAt = new Date()
  const startedMs = performance.now()
  // Without MONGO_URL the in-process server, even when a mongod is at hand (MONGO_TARGET overrides).
  if (process.env.MONGO_URL === undefined && process.env.MONGO_TARGET === undefined) {
    process.env.MONGO_TARGET = 'in-process'
  }
  const target = await acquireMongoTarget()
  const targetInfo: TargetInfo = {
    kind: target.kind,
    uri: target.uri,
    changeStreams: target.capabilities.changeStreams,
    caveat: targetCaveat(target.kind),
  }
  const notes: string[] = []
  if (!target.capabilities.changeStreams) {
    notes.push(
      'The MongoDB target has no change streams: durabl push falls back to polling (push rows say so).',
    )
  }

  let redis: RedisInstance | null = null
  let redisInfo: BenchResults['redis'] = { skipped: 'BullMQ not selected' }
  let systems = config.systems
  if (systems.includes('bullmq')) {
    const started = await startRedis()
    if (started.ok) {
      redis = started.redis
      redisInfo = { version: redis.version }
    } else {
      log(`BullMQ skipped: ${started.reason}`)
      notes.push(`BullMQ skipped: ${started.reason}`)
      redisInfo = { skipped: started.reason }
      systems = systems.filter((system) => system !== 'bullmq')
    }
  }
  const stopRedis = async () => {
    const instance = redis
    redis = null
    await instance?.stop()
  }
  process.once('SIGINT', () => {
    void stopRedis().finally(() => process.exit(130))
  })

  const versions: Record<string, string> = {}
  for (const name of PACKAGES) versions[name] = await packageVersion(name)
  const results: BenchResults = {
    startedAt: startedAt.toISOString(),
    durationSeconds: 0,
    command: `${config.quick ? 'BENCH_QUICK=1 ' : ''}pnpm bench`,
    quick: config.quick,
    machine: {
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      memoryGiB: round(os.totalmem() / 1024 ** 3),
      platform: os.platform(),
      release: os.release(),
      loadAverageStart: round(os.loadavg()[0] ?? 0),
      loadAverageEnd: 0,
    },
    node: process.versions.node,
    versions,
    target: targetInfo,
    redis: redisInfo,
    settings: settingsOf(config),
    cpu: [],
    enqueue: [],
    throughput: [],
    latency: [],
    roundTrip: null,
    idle: [],
    roundTripCost: [],
    memory: null,
    schedules: null,
    targets: [],
    notes,
  }
  const env = Object.entries(process.env)
    .filter(([key]) => key.startsWith('BENCH_') && key !== 'BENCH_QUICK')
    .map(([key, value]) => `${key}=${value}`)
  if (env.length > 0) results.command = `${env.join(' ')} ${results.command}`

  log(`durabl bench: scenarios ${config.scenarios.join(', ')}; systems ${systems.join(', ')}`)
  log(`MongoDB target: ${target.kind} ${target.uri} — ${targetInfo.caveat}`)
  const client = new MongoClient(target.connectionString, { monitorCommands: true })
  const meter = new CommandMeter(client, 'durabl')
  await client.connect()
  const context: BenchContext = {
    config,
    mongoUri: target.connectionString,
    client,
    meter,
    redis,
    results,
    log,
    uniqueName,
    systems,
    faults: target.server?.faults ?? null,
  }

  try {
    for (const scenario of config.scenarios) {
      log(`\n== ${scenario} ==`)
      const scenarioStartedAt = performance.now()
      try {
        await RUNNERS[scenario](context)
        log(`(${scenario}: ${round((performance.now() - scenarioStartedAt) / 1000)} s)`)
      } catch (error) {
        const message = `scenario ${scenario} failed: ${error instanceof Error ? error.message : String(error)}`
        log(message)
        notes.push(message)
      }
    }
  } finally {
    await client.close()
    await stopRedis()
    await releaseMongoTarget(target)
  }

  results.machine.loadAverageEnd = round(os.loadavg()[0] ?? 0)
  results.durationSeconds = round((performance.now() - startedMs) / 1000)
  await writeOutputs(results)
}

/** Evaluates the targets, writes results/ (md, json, svg), prints the report, and updates BENCHMARKS.md on request. */
async function writeOutputs(results: BenchResults): Promise<void> {
  results.targets = evaluateTargets(results)
  await mkdir(RESULTS_DIR, { recursive: true })
  const markdown = renderMarkdown(results)
  await writeFile(`${RESULTS_DIR}latest.json`, `${JSON.stringify(results, null, 2)}\n`)
  await writeFile(`${RESULTS_DIR}latest.md`, markdown)
  await writeFile(`${RESULTS_DIR}throughput.svg`, renderThroughputSvg(results))
  const written = ['latest.md', 'latest.json', 'throughput.svg']
  if ((results.roundTripCost ?? []).length > 0) {
    await writeFile(`${RESULTS_DIR}round-trip.svg`, renderRoundTripSvg(results))
    written.push('round-trip.svg')
  }
  if (results.memory) {
    await writeFile(`${RESULTS_DIR}memory.svg`, renderMemorySvg(results))
    written.push('memory.svg')
  }
  log(`\n${markdown}`)
  log(`written: ${RESULTS_DIR}${written.join(', ')}`)

  if (process.env.BENCH_UPDATE_DOCS !== '1') return
  const document = await readFile(BENCHMARKS_MD, 'utf8')
  const start = document.indexOf(RESULTS_START)
  const end = document.indexOf(RESULTS_END)
  if (start === -1 || end === -1) {
    log(`BENCHMARKS.md has no ${RESULTS_START} … ${RESULTS_END} markers: not updated`)
    return
  }
  const section = renderMarkdown(results, 'bench/results/')
    .replace(/^## /m, '### ')
    .replace(/^### (?!Results)/gm, '#### ')
  await writeFile(
    BENCHMARKS_MD,
    `${document.slice(0, start + RESULTS_START.length)}\n\n${section}\n${document.slice(end)}`,
  )
  log('BENCHMARKS.md results section updated')
}

/** BENCH_REPORT_ONLY=1: re-render the outputs from results/latest.json without running anything. */
async function reportOnly(): Promise<void> {
  const results = JSON.parse(await readFile(`${RESULTS_DIR}latest.json`, 'utf8')) as BenchResults
  await writeOutputs(results)
}

;(process.env.BENCH_REPORT_ONLY === '1' ? reportOnly() : main()).catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  )
  process.exitCode = 1
})
