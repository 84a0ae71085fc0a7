import type { BenchResults } from '../results.js'
import { table } from './table.js'

/** 4 worker processes against 1 at c16, per system, with the harness (in-process server) CPU. */
export function scaleOutSection(results: BenchResults, caveat: string): string[] {
  const rows = ['durabl', 'agenda', 'bullmq'].flatMap((system) => {
    const one = results.throughput.find(
      (entry) => entry.system === system && entry.instances === 1 && entry.concurrency === 16,
    )
    const four = results.throughput.find(
      (entry) => entry.system === system && entry.instances === 4 && entry.concurrency === 16,
    )
    if (!one || !four) return []
    return [
      [
        system,
        one.jobsPerSecond,
        four.jobsPerSecond,
        `${(four.jobsPerSecond / one.jobsPerSecond).toFixed(2)}×`,
        one.steadyCommandsPerJob === null
          ? null
          : `${one.steadyCommandsPerJob} → ${four.steadyCommandsPerJob}`,
        `${one.workerCpuMicrosPerJob} → ${four.workerCpuMicrosPerJob}`,
        one.harnessCpuMicrosPerJob === undefined
          ? null
          : `${one.harnessCpuMicrosPerJob} → ${four.harnessCpuMicrosPerJob ?? 'n/a'}`,
      ],
    ]
  })
  if (rows.length === 0) return []
  return [
    '### Scale out: 4 worker processes against 1, concurrency 16 each',
    caveat,
    table(
      [
        'system',
        'jobs/s, 1 process',
        'jobs/s, 4 processes',
        '4 vs 1',
        'cmds/job (1 → 4)',
        'worker CPU µs/job (1 → 4)',
        'harness CPU µs/job (1 → 4)',
      ],
      rows,
    ),
    'Harness CPU: the harness process between 10% and 90% of the run; with the in-process server that is ' +
      'the server serving the workers. On this machine all processes share the same 2 cores.',
  ]
}

/** Throughput and pickup latency of durabl and Agenda at each added delay per command. */
export function roundTripSection(results: BenchResults, chartDir: string): string[] {
  const rows = results.roundTripCost ?? []
  if (rows.length === 0) return []
  const systems = [...new Set(rows.flatMap((row) => row.throughput.map((entry) => entry.system)))]
  const concurrencies = [...new Set(rows.flatMap((row) => row.throughput.map((entry) => entry.concurrency)))]
  const throughput = concurrencies.flatMap((concurrency) =>
    rows.map((row) => {
      const run = (system: string) =>
        row.throughput.find((entry) => entry.system === system && entry.concurrency === concurrency)
      const durabl = run('durabl')
      const agenda = run('agenda')
      return [
        concurrency,
        row.addedDelayMs,
        row.pingP50Ms,
        ...systems.map((system) => {
          const entry = run(system)
          return entry ? `${entry.jobsPerSecond}${entry.drained ? '' : ' (capped)'}` : null
        }),
        durabl && agenda && agenda.jobsPerSecond > 0
          ? `${(durabl.jobsPerSecond / agenda.jobsPerSecond).toFixed(1)}×`
          : null,
        ...systems.map((system) => run(system)?.commandsPerJob ?? null),
      ]
    }),
  )
  const latency = rows.map((row) => [
    row.addedDelayMs,
    row.pingP50Ms,
    ...systems.map((system) => {
      const entry = row.latency.find((candidate) => candidate.system === system)
      if (!entry) return null
      const text = `${entry.p50Ms} / ${entry.p95Ms}`
      return entry.error ? `${text} (error: ${entry.error})` : text
    }),
  ])
  return [
    '### Round-trip cost: throughput and pickup latency per added delay per command',
    '> In-process server with every command reply delayed by the added delay (`faults.delayReplies`; the ' +
      'monitoring hellos are not delayed). One worker process per system; push pickup latency one job at a time ' +
      'on an idle queue. Node timers fire on whole milliseconds, so an added 0.5 ms costs about 1 ms: the ping ' +
      'column is the round trip actually seen.',
    table(
      [
        'concurrency',
        'added delay ms',
        'ping p50 ms',
        ...systems.map((system) => `${system} jobs/s`),
        'durabl / Agenda',
        ...systems.map((system) => `${system} cmds/job (whole run)`),
      ],
      throughput,
    ),
    table(
      ['added delay ms', 'ping p50 ms', ...systems.map((system) => `${system} push pickup p50 / p95 ms`)],
      latency,
    ),
    `![throughput and pickup latency against the delay per command](${chartDir}round-trip.svg)`,
  ]
}

/** The worker's memory samples (a few, evenly spaced) and the flatness verdict. */
export function memorySection(results: BenchResults, chartDir: string): string[] {
  const memory = results.memory
  if (!memory) return []
  const step = Math.max(1, Math.ceil(memory.samples.length / 10))
  const shown = memory.samples.filter((_, index) => index % step === 0 || index === memory.samples.length - 1)
  return [
    `### Worker memory over ${memory.completed} jobs (1 process, c${memory.concurrency}, no-op handlers)`,
    `Sampled in the worker after a forced full GC (\`--expose-gc\`) every ${memory.sampleEveryJobs} jobs; ` +
      `${memory.completed}/${memory.jobs} jobs in ${memory.seconds} s. Heap slope over the second half ` +
      `(after warm-up): **${memory.heapSlopeBytesPerJob} bytes/job** (RSS ${memory.rssSlopeBytesPerJob}); ` +
      `flat means below ${memory.thresholdBytesPerJob} bytes/job: **${memory.flat ? 'flat' : 'not flat'}**.`,
    table(
      ['jobs completed', 'heap used MiB', 'RSS MiB', 'external MiB'],
      shown.map((sample) => [sample.completed, sample.heapUsedMiB, sample.rssMiB, sample.externalMiB]),
    ),
    `![worker memory against jobs completed](${chartDir}memory.svg)`,
  ]
}

/** Fleet-wide limits: commands per claim batch by kind of limit, and throughput with a per-key limit. */
export function limitsSection(results: BenchResults, caveat: string): string[] {
  const limits = results.limits
  if (!limits) return []
  const parts = ['### Fleet-wide limits (docs/limits.md)', caveat]
  if (limits.claimBatches.length > 0) {
    parts.push(
      'MongoDB commands per claim batch of 16 jobs of one type spread over 20 limit keys, by the limits ' +
        'the claim holds them to (none binds: every batch is full). Counted by `comment` in the harness; ' +
        'each batch is completed before the next, uncounted.',
    )
    parts.push(
      table(
        ['limits', 'jobs/batch', 'commands/batch', 'by command:operation'],
        limits.claimBatches.map((row) => [
          row.limits,
          row.jobsPerBatch,
          row.commandsPerBatch,
          Object.entries(row.byOperation)
            .map(([key, value]) => `${key} ${value}`)
            .join(', '),
        ]),
      ),
    )
  }
  if (limits.throughput.length > 0) {
    const keys = limits.throughput[0]?.keys
    parts.push(
      `Drain throughput of no-op jobs spread over ${keys} limit keys (round robin), without limits and with ` +
        'a per-key concurrency of 1, at c16; each pair run several times, interleaved, the median shown. ' +
        '`claim cmds/job`: steady-state claim-category commands per job (claim reads and writes, slot reads, ' +
        'reservations), of the median run.',
    )
    parts.push(
      table(
        ['processes', 'limits', 'jobs/s (median)', 'vs no limits', 'runs', 'cmds/job', 'claim cmds/job'],
        limits.throughput.map((row) => {
          const base = limits.throughput.find(
            (other) => other.instances === row.instances && other.limits === 'no limits',
          )
          const ratio =
            base && base.jobsPerSecond > 0
              ? `${Math.round((row.jobsPerSecond / base.jobsPerSecond) * 100)}%`
              : null
          return [
            row.instances,
            row.limits,
            `${row.jobsPerSecond}${row.drained ? '' : ' (capped)'}`,
            ratio,
            (row.runs ?? []).join(', '),
            row.steadyCommandsPerJob,
            row.claimCommandsPerJob,
          ]
        }),
      ),
    )
  }
  return parts
}
