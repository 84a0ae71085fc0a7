import { COMMAND_CATEGORIES } from '../command-meter.js'
import type { BenchResults, ThroughputResult } from '../results.js'
import { limitsSection, memorySection, roundTripSection, scaleOutSection } from './markdown-sections.js'
import { schedulesSection } from './schedules-section.js'
import { table } from './table.js'
import { topCommands } from './targets.js'

function status(met: boolean | null): string {
  if (met === null) return '— not measured'
  return met ? '✅ met' : '❌ missed'
}

function throughputTable(results: BenchResults): string {
  const concurrencies = [...new Set(results.throughput.map((entry) => entry.concurrency))].sort(
    (a, b) => a - b,
  )
  const keys = [...new Set(results.throughput.map((entry) => `${entry.system}|${entry.instances}`))]
  const rows = keys.map((key) => {
    const [system, instances] = key.split('|') as [string, string]
    const find = (concurrency: number): ThroughputResult | undefined =>
      results.throughput.find(
        (entry) =>
          entry.system === system &&
          String(entry.instances) === instances &&
          entry.concurrency === concurrency,
      )
    return [
      system,
      instances,
      ...concurrencies.map((concurrency) => {
        const entry = find(concurrency)
        if (!entry) return null
        return `${entry.jobsPerSecond}${entry.drained ? '' : ' (capped)'}`
      }),
      ...concurrencies.map((concurrency) => find(concurrency)?.steadyCommandsPerJob ?? null),
      ...concurrencies.map((concurrency) => find(concurrency)?.workerCpuMicrosPerJob ?? null),
    ]
  })
  return table(
    [
      'system',
      'processes',
      ...concurrencies.map((concurrency) => `jobs/s c=${concurrency}`),
      ...concurrencies.map((concurrency) => `cmds/job c=${concurrency}`),
      ...concurrencies.map((concurrency) => `worker CPU µs/job c=${concurrency}`),
    ],
    rows,
  )
}

function commandsTable(results: BenchResults): string {
  // Throughput runs store no schedules: their `schedule` column would only hold zeros.
  const categories = COMMAND_CATEGORIES.filter(
    (category) => category !== 'driver' && category !== 'setup' && category !== 'schedule',
  )
  const rows = results.throughput
    .filter((entry) => entry.steadyByCategory !== null)
    .map((entry) => [
      entry.system,
      `${entry.instances}×c${entry.concurrency}`,
      ...categories.map((category) => entry.steadyByCategory?.[category] ?? null),
      entry.steadyCommandsPerJob,
      entry.wholeRunCommandsPerJob,
      topCommands(entry.steadyByCommand),
      meanRoundTrips(entry.steadyMeanRoundTripMs),
    ])
  return table(
    [
      'system',
      'run',
      ...categories,
      'steady total',
      'whole run',
      'largest (category:command per job)',
      'mean round trip ms',
    ],
    rows,
  )
}

function meanRoundTrips(byCommand: Record<string, number> | null): string {
  if (byCommand === null) return 'n/a'
  return Object.entries(byCommand)
    .filter(([key]) => !key.startsWith('driver:') && !key.startsWith('setup:'))
    .map(([key, value]) => `${key} ${value}`)
    .join(', ')
}

/** The report as Markdown: printed, written to results/latest.md and embedded in BENCHMARKS.md. */
export function renderMarkdown(results: BenchResults, chartDir = ''): string {
  const caveat = `> **Target: ${results.target.kind}** (${results.target.uri}). ${results.target.caveat}`
  const parts: string[] = []
  parts.push(
    `## Results — ${results.startedAt}${results.quick ? ' (BENCH_QUICK smoke run: small N, noisy)' : ''}`,
  )
  parts.push(
    [
      `- Command: \`${results.command}\``,
      `- Machine: ${results.machine.cpuModel}, ${results.machine.cores} cores, ${results.machine.memoryGiB} GiB, ${results.machine.platform} ${results.machine.release}; load average ${results.machine.loadAverageStart} at start, ${results.machine.loadAverageEnd} at end`,
      `- Node ${results.node}; ${Object.entries(results.versions)
        .map(([name, version]) => `${name} ${version}`)
        .join(', ')}`,
      `- Redis: ${'version' in results.redis ? results.redis.version : `skipped — ${results.redis.skipped}`}`,
      `- Duration: ${results.durationSeconds} s`,
    ].join('\n'),
  )
  parts.push(caveat)

  parts.push('### Targets')
  parts.push(
    table(
      ['target', 'goal', 'measured', 'status', 'evidence'],
      results.targets.map((target) => [
        target.name,
        target.goal,
        target.value,
        status(target.met),
        target.evidence,
      ]),
    ),
  )

  if (results.throughput.length > 0) {
    parts.push('### Processing throughput (no-op jobs, drain time)')
    parts.push(caveat)
    parts.push(throughputTable(results))
    parts.push(
      'Each run enqueues the jobs first, then forks the worker processes (each its own connection) and times ' +
        'the drain. `cmds/job`: worker-side MongoDB commands per job between 10% and 90% of the run. ' +
        `![throughput against concurrency](${chartDir}throughput.svg)`,
    )
    parts.push('### MongoDB commands per job, worker side (by purpose)')
    parts.push(caveat)
    parts.push(
      'Per category: steady state, between 10% and 90% of the jobs. `whole run`: from go to drained (start-up ' +
        'claims, the change-stream open, the tail). Agenda locks most of a run\u2019s jobs at its start ' +
        '(lockLimit 0), so compare Agenda on `whole run`. `push:getMore` is the change stream\u2019s blocking ' +
        'getMore (one per `changeStreamAwaitMs`, 10 s by default, while idle). Mean round trip: driver-measured, start to reply.',
    )
    parts.push(commandsTable(results))
  }

  parts.push(...scaleOutSection(results, caveat))
  parts.push(...roundTripSection(results, chartDir))
  parts.push(...memorySection(results, chartDir))
  parts.push(...limitsSection(results, caveat))

  if (results.enqueue.length > 0) {
    parts.push('### Enqueue throughput (from one process)')
    parts.push(caveat)
    parts.push(
      table(
        ['system', 'mode', 'method', 'jobs', 'jobs/s', 'commands/job'],
        results.enqueue.map((entry) => [
          entry.system,
          entry.mode,
          entry.method,
          entry.jobs,
          entry.jobsPerSecond,
          entry.commandsPerJob,
        ]),
      ),
    )
  }

  if (results.latency.length > 0) {
    parts.push('### Pickup latency (enqueue → handler start, idle queue between jobs)')
    parts.push(caveat)
    parts.push(
      table(
        ['system', 'delivery', 'setting', 'samples', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
        results.latency.map((entry) => [
          entry.system,
          entry.delivery,
          entry.setting + (entry.error ? ` — error: ${entry.error}` : ''),
          entry.samples,
          entry.p50Ms,
          entry.p95Ms,
          entry.p99Ms,
          entry.maxMs,
        ]),
      ),
    )
    if (results.roundTrip !== null) {
      parts.push(
        `For scale: a \`ping\` round trip from the harness to the target takes p50 ${results.roundTrip.p50Ms} ms ` +
          `(p95 ${results.roundTrip.p95Ms} ms, ${results.roundTrip.samples} samples). A durabl push pickup is the ` +
          'insert, the change-stream getMore returning, then the claim (find + bulk update) before the handler starts.',
      )
    }
  }

  if (results.idle.length > 0) {
    parts.push('### Idle cost per process (no jobs)')
    parts.push(caveat)
    parts.push(
      table(
        [
          'system',
          'types',
          'push',
          'setting',
          'app commands/s',
          'heartbeats/s (driver)',
          'commands in window',
        ],
        results.idle.map((entry) => [
          entry.system,
          entry.types,
          entry.push ? 'on' : 'off',
          entry.setting,
          entry.commandsPerSecond,
          entry.heartbeatsPerSecond,
          `${Object.entries(entry.byCommand)
            .map(([key, value]) => `${key} ${value}`)
            .join(', ')} in ${entry.windowSeconds} s`,
        ]),
      ),
    )
    parts.push(
      'App commands exclude the driver\u2019s monitoring: the monitor\u2019s hello (one per heartbeatFrequencyMS, 10 s, ' +
        'shown as heartbeats/s) and its RTT pings never reach command monitoring; every MongoDB client pays them.',
    )
  }

  parts.push(...schedulesSection(results, caveat))

  if (results.cpu.length > 0) {
    parts.push('### Runtime CPU per job (MemoryBackend, no database)')
    parts.push(
      table(
        ['concurrency', 'jobs', 'processing µs CPU/job', 'enqueueMany µs CPU/job', 'jobs/s'],
        results.cpu.map((entry) => [
          entry.concurrency,
          entry.jobs,
          entry.processCpuMicrosPerJob,
          entry.enqueueCpuMicrosPerJob,
          entry.jobsPerSecond,
        ]),
      ),
    )
  }

  parts.push('### Settings and notes')
  parts.push(
    [
      ...Object.entries(results.settings).map(([key, value]) => `- ${key}: ${JSON.stringify(value)}`),
      ...results.notes.map((note) => `- ${note}`),
    ].join('\n'),
  )
  return `${parts.join('\n\n')}\n`
}
