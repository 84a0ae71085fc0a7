/** Every scenario the harness knows, in the order it runs them. */
export const SCENARIOS = [
  'cpu',
  'enqueue',
  'throughput',
  'latency',
  'commands',
  'idle',
  'schedules',
  'round-trip',
  'limits',
  'memory',
] as const
export type ScenarioName = (typeof SCENARIOS)[number]

/** What runs without BENCH_SCENARIOS: `memory` (100,000 jobs, minutes) is opt-in. */
export const DEFAULT_SCENARIOS: readonly ScenarioName[] = SCENARIOS.filter((name) => name !== 'memory')

/** The systems compared. */
export const SYSTEMS = ['durabl', 'agenda', 'bullmq'] as const
export type SystemName = (typeof SYSTEMS)[number]

/**
 * The harness settings, read once from the environment (`resolveBenchConfig`). Quick mode shrinks
 * every count and window so a smoke run takes about a minute.
 */
export interface BenchConfig {
  quick: boolean
  scenarios: ScenarioName[]
  systems: SystemName[]
  /** Jobs per throughput run (durabl and BullMQ); Agenda gets `agendaJobs`. */
  jobs: number
  /** Jobs per Agenda throughput run: Agenda is an order of magnitude slower, so fewer keep the run short. */
  agendaJobs: number
  /** Jobs enqueued one by one in the enqueue scenario (bulk uses `jobs`). */
  enqueueJobs: number
  /** Jobs per enqueueMany / addBulk call. */
  bulkSize: number
  /** A throughput run stops after this long even if the queue has not drained (its rate is still valid). */
  runCapMs: number
  concurrencies: number[]
  instances: number[]
  /** Pickup-latency samples with push (and BullMQ), and with polling. */
  latencySamples: number
  pollLatencySamples: number
  /** The idle gap between two latency jobs, so each one finds an idle queue. */
  latencyGapMs: number
  /** durabl's poll interval in the polling latency run. */
  pollIntervalMs: number
  /** Agenda's processEvery, in every Agenda run. */
  agendaProcessEveryMs: number
  /** Idle measurement window, after a warm-up. */
  idleWindowMs: number
  idleWarmupMs: number
  /**
   * Schedules scenario: the idle window with 0 and 100 stored schedules (long enough to hold one
   * periodic scan, `schedules.scanIntervalMs`, 60 s by default), and the span of occurrences the
   * fleet fires (whole seconds: 10 schedules every second, from the first to the last instant).
   */
  schedulesIdleWindowMs: number
  schedulesWindowMs: number
  /** Jobs processed with MemoryBackend for the CPU scenario. */
  cpuJobs: number
  /** Reply delays the round-trip scenario adds to every command on the in-process server, in ms. */
  roundTripDelaysMs: number[]
  /** Jobs per round-trip throughput run (durabl and Agenda alike). */
  roundTripJobs: number
  /** Pickup-latency samples per system and delay in the round-trip scenario. */
  roundTripLatencySamples: number
  /** Jobs the memory scenario runs through one worker, and how often it samples the heap. */
  memoryJobs: number
  memorySampleEveryJobs: number
  /** Limit keys the limits scenario spreads its jobs over (round robin). */
  limitKeys: number
  /** How many times the limits scenario runs each throughput pair (no limits, limited), interleaved. */
  limitsRepeats: number
}

function integer(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`)
  }
  return value
}

function list<T extends string>(name: string, allowed: readonly T[], fallback: readonly T[] = allowed): T[] {
  const raw = process.env[name]
  if (raw === undefined || raw.trim() === '') return [...fallback]
  const picked = raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0)
  for (const item of picked) {
    if (!allowed.includes(item as T)) {
      throw new Error(`${name} has an unknown entry ${JSON.stringify(item)}; known: ${allowed.join(', ')}`)
    }
  }
  return allowed.filter((item) => picked.includes(item))
}

function numbers(name: string, fallback: number[]): number[] {
  const raw = process.env[name]
  if (raw === undefined || raw.trim() === '') return fallback
  return raw.split(',').map((item) => {
    const value = Number(item.trim())
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(
        `${name} must be a comma-separated list of positive integers, got ${JSON.stringify(raw)}`,
      )
    }
    return value
  })
}

function delays(name: string, fallback: number[]): number[] {
  const raw = process.env[name]
  if (raw === undefined || raw.trim() === '') return fallback
  return raw.split(',').map((item) => {
    const value = Number(item.trim())
    if (item.trim() === '' || !Number.isFinite(value) || value < 0) {
      throw new Error(
        `${name} must be a comma-separated list of delays in ms (0 or more), got ${JSON.stringify(raw)}`,
      )
    }
    return value
  })
}

/** Reads BENCH_* variables; see BENCHMARKS.md for the list. */
export function resolveBenchConfig(): BenchConfig {
  const quick = process.env.BENCH_QUICK === '1' || process.env.BENCH_QUICK === 'true'
  const jobs = integer('BENCH_JOBS', quick ? 300 : 3000)
  return {
    quick,
    scenarios: list('BENCH_SCENARIOS', SCENARIOS, DEFAULT_SCENARIOS),
    systems: list('BENCH_SYSTEMS', SYSTEMS),
    jobs,
    agendaJobs: integer('BENCH_AGENDA_JOBS', Math.max(100, Math.round(jobs / 3))),
    enqueueJobs: integer('BENCH_ENQUEUE_JOBS', quick ? 200 : 2000),
    bulkSize: integer('BENCH_BULK_SIZE', 500),
    runCapMs: integer('BENCH_RUN_CAP_MS', quick ? 8_000 : 20_000),
    concurrencies: numbers('BENCH_CONCURRENCY', [1, 16, 64]),
    instances: numbers('BENCH_INSTANCES', [1, 4]),
    latencySamples: integer('BENCH_LATENCY_SAMPLES', quick ? 30 : 200),
    pollLatencySamples: integer('BENCH_POLL_LATENCY_SAMPLES', quick ? 6 : 30),
    latencyGapMs: integer('BENCH_LATENCY_GAP_MS', 25),
    pollIntervalMs: integer('BENCH_POLL_INTERVAL_MS', 1000),
    agendaProcessEveryMs: integer('BENCH_AGENDA_PROCESS_EVERY_MS', 100),
    idleWindowMs: integer('BENCH_IDLE_WINDOW_MS', quick ? 3_000 : 15_000),
    idleWarmupMs: integer('BENCH_IDLE_WARMUP_MS', quick ? 1_000 : 3_000),
    schedulesIdleWindowMs: integer('BENCH_SCHEDULES_IDLE_WINDOW_MS', quick ? 5_000 : 60_000),
    schedulesWindowMs: integer('BENCH_SCHEDULES_WINDOW_MS', quick ? 5_000 : 60_000),
    cpuJobs: integer('BENCH_CPU_JOBS', quick ? 2_000 : 20_000),
    roundTripDelaysMs: delays('BENCH_RTT_DELAYS_MS', [0, 0.5, 2]),
    roundTripJobs: integer('BENCH_RTT_JOBS', quick ? 300 : 1500),
    roundTripLatencySamples: integer('BENCH_RTT_LATENCY_SAMPLES', quick ? 15 : 60),
    memoryJobs: integer('BENCH_MEMORY_JOBS', quick ? 10_000 : 100_000),
    memorySampleEveryJobs: integer('BENCH_MEMORY_SAMPLE_EVERY_JOBS', quick ? 500 : 2_500),
    limitKeys: integer('BENCH_LIMIT_KEYS', 100),
    limitsRepeats: integer('BENCH_LIMITS_REPEATS', quick ? 1 : 3),
  }
}
