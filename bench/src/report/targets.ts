import type { BenchResults, TargetResult, ThroughputResult } from '../results.js'
import { round } from '../stats.js'
import { scheduleTargets } from './schedule-targets.js'

/**
 * The budget: issue 10's table ("Performance, second round"), and the idle budget of issue 6,
 * which issue 10 keeps.
 */
export const TARGETS = {
  workerCommandsPerJobC1: 2.0,
  workerCommandsPerJobC16: 0.2,
  serverCpuMicrosPerJob: 215,
  idleCommandsPerSecond: 0.2,
  pushP50Ms: 3,
  throughputRatioVsAgenda: 5,
  throughputRatioVsAgendaAt2Ms: 10,
  scaleOutRatio: 1.0,
  memoryJobs: 100_000,
  /** Throughput with a per-key concurrency limit, as a share of the same run without limits. */
  limitedThroughputShare: 0.8,
} as const

/** The largest `category:command` entries of a per-job breakdown, as text. */
export function topCommands(byCommand: Record<string, number> | null, count = 4): string {
  if (byCommand === null) return 'n/a'
  return Object.entries(byCommand)
    .filter(([key]) => !key.startsWith('driver:'))
    .sort((left, right) => right[1] - left[1])
    .slice(0, count)
    .map(([key, value]) => `${key} ${value}`)
    .join(', ')
}

function label(result: ThroughputResult): string {
  return `${result.instances}×c${result.concurrency}`
}

function unmeasured(name: string, goal: string, evidence: string): TargetResult {
  return { name, goal, value: 'not measured', met: null, evidence }
}

function findRun(
  results: BenchResults,
  system: string,
  instances: number,
  concurrency: number,
): ThroughputResult | undefined {
  return results.throughput.find(
    (entry) => entry.system === system && entry.instances === instances && entry.concurrency === concurrency,
  )
}

/** Worker-side commands per job of every durabl run at the concurrencies `pick` selects. */
function commandsTarget(
  results: BenchResults,
  name: string,
  goal: number,
  pick: (concurrency: number) => boolean,
): TargetResult {
  const runs = results.throughput.filter(
    (entry) => entry.system === 'durabl' && pick(entry.concurrency) && entry.steadyCommandsPerJob !== null,
  )
  if (runs.length === 0) return unmeasured(name, `≤ ${goal}`, 'run the throughput or commands scenario')
  const worst = runs.reduce((left, right) =>
    (right.steadyCommandsPerJob ?? 0) > (left.steadyCommandsPerJob ?? 0) ? right : left,
  )
  return {
    name,
    goal: `≤ ${goal}`,
    value: runs.map((entry) => `${label(entry)}: ${entry.steadyCommandsPerJob}`).join('; '),
    met: runs.every((entry) => (entry.steadyCommandsPerJob ?? 0) <= goal),
    evidence: `worst ${label(worst)}: ${topCommands(worst.steadyByCommand)}`,
  }
}

// Judged on the default deployment: a replica set, where push is on. Polling-only costs one
// claim per pollIntervalMs by design (the user's setting), so it is reported, not judged.
function idleTarget(results: BenchResults): TargetResult {
  const name = 'idle commands per second per process'
  const idle = results.idle.filter((entry) => entry.system === 'durabl')
  const idleDefault = idle.filter((entry) => entry.push)
  if (idleDefault.length === 0) {
    return unmeasured(name, `≤ ${TARGETS.idleCommandsPerSecond}`, 'run the idle scenario')
  }
  const worst = idleDefault.reduce((left, right) =>
    right.commandsPerSecond > left.commandsPerSecond ? right : left,
  )
  const polling = idle.filter((entry) => !entry.push)
  return {
    name,
    goal: `≤ ${TARGETS.idleCommandsPerSecond}, any number of types (defaults, push on)`,
    value: idle
      .map((entry) => `${entry.types} type(s) push ${entry.push ? 'on' : 'off'}: ${entry.commandsPerSecond}`)
      .join('; '),
    met: idleDefault.every((entry) => entry.commandsPerSecond <= TARGETS.idleCommandsPerSecond),
    evidence:
      `worst with push (${worst.types} type(s)): ${JSON.stringify(worst.byCommand)} in ${worst.windowSeconds} s` +
      (polling.length > 0
        ? '; polling-only is one claim per pollIntervalMs (5 s by default) plus recovery, whatever the types'
        : ''),
  }
}

/** The in-process server's CPU per job: the harness's CPU while one durabl worker drains at c16. */
function serverCpuTarget(results: BenchResults): TargetResult {
  const name = 'in-process server CPU per job (claim + ack, c16)'
  const goal = `≤ ${TARGETS.serverCpuMicrosPerJob} µs`
  const run = findRun(results, 'durabl', 1, 16)
  if (results.target.kind !== 'in-process') {
    return unmeasured(name, goal, 'only measurable with the in-process server (it runs in the harness)')
  }
  if (run?.harnessCpuMicrosPerJob === undefined)
    return unmeasured(name, goal, 'run the throughput or commands scenario')
  return {
    name,
    goal,
    value: `${run.harnessCpuMicrosPerJob} µs`,
    met: run.harnessCpuMicrosPerJob <= TARGETS.serverCpuMicrosPerJob,
    evidence:
      'harness process CPU (user + system) between 10% and 90% of the durabl 1×c16 run, per job; ' +
      `the harness only serves the worker's commands then (${topCommands(run.steadyByCommand)} per job)`,
  }
}

function ratioTarget(
  name: string,
  goal: number,
  durabl: { jobsPerSecond: number } | undefined,
  agenda: { jobsPerSecond: number } | undefined,
  evidence: string,
  missing: string,
): TargetResult {
  if (!durabl || !agenda || agenda.jobsPerSecond <= 0) return unmeasured(name, `≥ ${goal}×`, missing)
  const ratio = durabl.jobsPerSecond / agenda.jobsPerSecond
  return {
    name,
    goal: `≥ ${goal}×`,
    value: `${round(ratio)}× (${durabl.jobsPerSecond} vs ${agenda.jobsPerSecond} jobs/s)`,
    met: ratio >= goal,
    evidence,
  }
}

function vsAgendaTargets(results: BenchResults): TargetResult[] {
  const rows = results.roundTripCost ?? []
  const noDelay = rows.find((row) => row.addedDelayMs === 0)
  const at2Ms = rows.find((row) => row.addedDelayMs === 2)
  const fromRow = (row: typeof noDelay, system: string) =>
    row?.throughput.find((entry) => entry.system === system && entry.concurrency === 16)
  const durabl = findRun(results, 'durabl', 1, 16) ?? fromRow(noDelay, 'durabl')
  const agenda = findRun(results, 'agenda', 1, 16) ?? fromRow(noDelay, 'agenda')
  return [
    ratioTarget(
      'throughput vs Agenda at c16, no added delay',
      TARGETS.throughputRatioVsAgenda,
      durabl,
      agenda,
      'one worker process each, same server, same run',
      'run the throughput (or round-trip) scenario with durabl and agenda',
    ),
    ratioTarget(
      'throughput vs Agenda at c16, 2 ms per command',
      TARGETS.throughputRatioVsAgendaAt2Ms,
      fromRow(at2Ms, 'durabl'),
      fromRow(at2Ms, 'agenda'),
      `round-trip scenario: every reply delayed 2 ms (ping p50 ${at2Ms?.pingP50Ms ?? 'n/a'} ms)`,
      'run the round-trip scenario with 2 in BENCH_RTT_DELAYS_MS, on the in-process server',
    ),
  ]
}

function pushTarget(results: BenchResults): TargetResult {
  const name = 'push pickup latency p50 (in-process server)'
  const goal = `≤ ${TARGETS.pushP50Ms} ms`
  const push = results.latency.find((entry) => entry.system === 'durabl' && entry.delivery === 'push')
  if (push === undefined || push.samples === 0) {
    return unmeasured(name, goal, push?.error ?? 'run the latency scenario')
  }
  return {
    name,
    goal,
    value: `${push.p50Ms} ms (p95 ${push.p95Ms}, p99 ${push.p99Ms})`,
    met: push.p50Ms <= TARGETS.pushP50Ms,
    evidence: `${push.samples} samples, ${push.setting}; ping p50 ${results.roundTrip?.p50Ms ?? 'n/a'} ms`,
  }
}

function scaleOutTarget(results: BenchResults): TargetResult {
  const name = 'scale out: 4 worker processes vs 1 at c16'
  const goal = `≥ ${TARGETS.scaleOutRatio}×`
  const one = findRun(results, 'durabl', 1, 16)
  const four = findRun(results, 'durabl', 4, 16)
  if (!one || !four) return unmeasured(name, goal, 'run the throughput or commands scenario')
  const ratio = four.jobsPerSecond / one.jobsPerSecond
  return {
    name,
    goal,
    value: `${round(ratio)}× (${four.jobsPerSecond} vs ${one.jobsPerSecond} jobs/s)`,
    met: ratio >= TARGETS.scaleOutRatio,
    evidence: `same server; commands/job ${four.steadyCommandsPerJob} with 4 processes, ${one.steadyCommandsPerJob} with 1`,
  }
}

function memoryTarget(results: BenchResults): TargetResult {
  const name = `worker memory over ${TARGETS.memoryJobs.toLocaleString('en-US')} jobs`
  const goal = 'flat after warm-up'
  const memory = results.memory
  if (!memory) return unmeasured(name, goal, 'opt-in: BENCH_SCENARIOS=memory')
  const first = memory.samples[0]
  const last = memory.samples.at(-1)
  const value =
    `heap slope ${memory.heapSlopeBytesPerJob} B/job over the second half (RSS ${memory.rssSlopeBytesPerJob}); ` +
    `heap ${first?.heapUsedMiB} → ${last?.heapUsedMiB} MiB, RSS ${first?.rssMiB} → ${last?.rssMiB} MiB`
  const enough = memory.completed >= TARGETS.memoryJobs
  return {
    name,
    goal: `${goal} (heap slope < ${memory.thresholdBytesPerJob} B/job after GC)`,
    value,
    met: enough ? memory.flat : null,
    evidence: enough
      ? `${memory.samples.length} samples after a forced GC, every ${memory.sampleEveryJobs} jobs, ${memory.completed} jobs in ${memory.seconds} s`
      : `only ${memory.completed} of ${TARGETS.memoryJobs} jobs ran (BENCH_MEMORY_JOBS, or the run hit its cap): ${memory.flat ? 'flat' : 'not flat'} so far, not judged`,
  }
}

/** Marks each target met or missed from what the run measured (null when not measured). */
export function evaluateTargets(results: BenchResults): TargetResult[] {
  return [
    commandsTarget(
      results,
      'worker commands per job (c1)',
      TARGETS.workerCommandsPerJobC1,
      (concurrency) => concurrency === 1,
    ),
    commandsTarget(
      results,
      'worker commands per job (c ≥ 16)',
      TARGETS.workerCommandsPerJobC16,
      (concurrency) => concurrency >= 16,
    ),
    serverCpuTarget(results),
    ...vsAgendaTargets(results),
    pushTarget(results),
    scaleOutTarget(results),
    memoryTarget(results),
    idleTarget(results),
    ...scheduleTargets(results),
    limitsTarget(results),
  ]
}

/** Throughput with a per-key concurrency limit within 20% of the same run without limits, per fleet size. */
function limitsTarget(results: BenchResults): TargetResult {
  const name = 'throughput with a per-key concurrency limit'
  const goal = `≥ ${Math.round(TARGETS.limitedThroughputShare * 100)}% of no limits`
  const runs = results.limits?.throughput ?? []
  const pairs = [...new Set(runs.map((run) => run.instances))].flatMap((instances) => {
    const base = runs.find((run) => run.instances === instances && run.limits === 'no limits')
    const limited = runs.find((run) => run.instances === instances && run.limits !== 'no limits')
    return base && limited && base.jobsPerSecond > 0
      ? [{ instances, share: limited.jobsPerSecond / base.jobsPerSecond, base, limited }]
      : []
  })
  if (pairs.length === 0) return unmeasured(name, goal, 'run the limits scenario')
  const worst = Math.min(...pairs.map((pair) => pair.share))
  return {
    name,
    goal,
    value: `${Math.round(worst * 100)}% (worst)`,
    met: worst >= TARGETS.limitedThroughputShare,
    evidence: pairs
      .map(
        (pair) =>
          `${pair.instances}×c16: ${pair.limited.jobsPerSecond} vs ${pair.base.jobsPerSecond} jobs/s (${Math.round(pair.share * 100)}%)`,
      )
      .join('; '),
  }
}
