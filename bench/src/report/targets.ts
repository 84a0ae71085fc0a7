import type { BenchResults, TargetResult, ThroughputResult } from '../results.js'
import { round } from '../stats.js'

/** The budget issue 6 sets, from the published numbers of the anchors. */
export const TARGETS = {
  workerCommandsPerJob: 1.0,
  idleCommandsPerSecond: 0.2,
  pushP50Ms: 10,
  throughputRatioVsAgenda: 10,
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

/** Marks each target met or missed from what the run measured (null when not measured). */
export function evaluateTargets(results: BenchResults): TargetResult[] {
  const targets: TargetResult[] = []

  const steady = results.throughput.filter(
    (entry) => entry.system === 'durabl' && entry.concurrency >= 16 && entry.steadyCommandsPerJob !== null,
  )
  if (steady.length === 0) {
    targets.push({
      name: 'worker commands per job (c ≥ 16)',
      goal: `≤ ${TARGETS.workerCommandsPerJob}`,
      value: 'not measured',
      met: null,
      evidence: 'run the throughput or commands scenario',
    })
  } else {
    const worst = steady.reduce((left, right) =>
      (right.steadyCommandsPerJob ?? 0) > (left.steadyCommandsPerJob ?? 0) ? right : left,
    )
    targets.push({
      name: 'worker commands per job (c ≥ 16)',
      goal: `≤ ${TARGETS.workerCommandsPerJob}`,
      value: steady.map((entry) => `${label(entry)}: ${entry.steadyCommandsPerJob}`).join('; '),
      met: steady.every((entry) => (entry.steadyCommandsPerJob ?? 0) <= TARGETS.workerCommandsPerJob),
      evidence: `worst ${label(worst)}: ${topCommands(worst.steadyByCommand)}`,
    })
  }

  // Judged on the default deployment: a replica set, where push is on. Polling-only costs one
  // claim per pollIntervalMs by design (the user's setting), so it is reported, not judged.
  const idle = results.idle.filter((entry) => entry.system === 'durabl')
  const idleDefault = idle.filter((entry) => entry.push)
  if (idleDefault.length === 0) {
    targets.push({
      name: 'idle commands per second per process',
      goal: `≤ ${TARGETS.idleCommandsPerSecond}`,
      value: 'not measured',
      met: null,
      evidence: 'run the idle scenario',
    })
  } else {
    const worst = idleDefault.reduce((left, right) =>
      right.commandsPerSecond > left.commandsPerSecond ? right : left,
    )
    const polling = idle.filter((entry) => !entry.push)
    targets.push({
      name: 'idle commands per second per process',
      goal: `≤ ${TARGETS.idleCommandsPerSecond}, any number of types (defaults, push on)`,
      value: idle
        .map(
          (entry) => `${entry.types} type(s) push ${entry.push ? 'on' : 'off'}: ${entry.commandsPerSecond}`,
        )
        .join('; '),
      met: idleDefault.every((entry) => entry.commandsPerSecond <= TARGETS.idleCommandsPerSecond),
      evidence:
        `worst with push (${worst.types} type(s)): ${JSON.stringify(worst.byCommand)} in ${worst.windowSeconds} s` +
        (polling.length > 0
          ? `; polling-only is one claim per pollIntervalMs (5 s by default) plus recovery, whatever the types`
          : ''),
    })
  }

  const push = results.latency.find((entry) => entry.system === 'durabl' && entry.delivery === 'push')
  targets.push(
    push === undefined || push.samples === 0
      ? {
          name: 'push pickup latency p50',
          goal: `≤ ${TARGETS.pushP50Ms} ms`,
          value: 'not measured',
          met: null,
          evidence: push?.error ?? 'run the latency scenario',
        }
      : {
          name: 'push pickup latency p50',
          goal: `≤ ${TARGETS.pushP50Ms} ms (in-process server)`,
          value: `${push.p50Ms} ms (p95 ${push.p95Ms}, p99 ${push.p99Ms})`,
          met: push.p50Ms <= TARGETS.pushP50Ms,
          evidence: `${push.samples} samples, ${push.setting}`,
        },
  )

  const ratios: string[] = []
  let ratioMet: boolean | null = null
  for (const instances of [...new Set(results.throughput.map((entry) => entry.instances))].sort()) {
    const durabl = results.throughput.find(
      (entry) => entry.system === 'durabl' && entry.instances === instances && entry.concurrency === 16,
    )
    const agenda = results.throughput.find(
      (entry) => entry.system === 'agenda' && entry.instances === instances && entry.concurrency === 16,
    )
    if (!durabl || !agenda) continue
    const ratio = durabl.jobsPerSecond / agenda.jobsPerSecond
    ratios.push(
      `${instances} instance(s): ${round(ratio)}× (${durabl.jobsPerSecond} vs ${agenda.jobsPerSecond} jobs/s)`,
    )
    ratioMet = (ratioMet ?? true) && ratio >= TARGETS.throughputRatioVsAgenda
  }
  targets.push({
    name: 'throughput vs Agenda at c=16',
    goal: `≥ ${TARGETS.throughputRatioVsAgenda}×`,
    value: ratios.length === 0 ? 'not measured' : ratios.join('; '),
    met: ratioMet,
    evidence:
      ratios.length === 0 ? 'run the throughput scenario with durabl and agenda' : 'same server, same run',
  })
  return targets
}
