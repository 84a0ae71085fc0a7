import { JOB_STATES, type QueueStats } from '@durabl/core'
import { Gauge, type Registry, type RegistryContentType } from 'prom-client'
import { METRIC_NAMES } from './metric-names.js'
import type { ScheduleSource } from './schedule-metrics.js'

type QueueType = 'queue' | 'type'

/** One instrumented queue, as the scrape-time collectors see it. */
export interface MetricsSource extends ScheduleSource {
  readonly queueName: string
  /** Cached `getStats()`, or null when this queue does not export the stats gauges. */
  readonly stats: (() => Promise<QueueStats>) | null
  nowMs(): number
  /** The queue's view of the type controls (pause state per type), read from memory. */
  typeControls(): ReadonlyArray<{ type: string; paused: boolean }>
  /** Per-type slots; `limit` is null when the runtime does not tell. */
  slots(): {
    instanceLimit: number | null
    types: Array<{ type: string; inUse: number; limit: number | null }>
  }
}

/**
 * Registers the gauges whose values are read when the registry is scraped (prom-client
 * `collect()`), from the queues attached as `sources` at that moment: job states from the cached
 * `getStats()`, and slots. Each collect resets its gauge first, so types and queues that are gone
 * drop out. Returns the `durabl_jobs` gauge, which marks the metrics as registered.
 */
export function registerScrapeGauges(
  registers: Array<Registry<RegistryContentType>>,
  sources: ReadonlyMap<string, MetricsSource>,
): Gauge<'queue' | 'type' | 'state'> {
  const byType: QueueType[] = ['queue', 'type']
  const jobs: Gauge<'queue' | 'type' | 'state'> = new Gauge({
    name: METRIC_NAMES.jobs,
    help: 'Jobs per state, read from the backend at scrape time (cached for statsCacheMs).',
    labelNames: ['queue', 'type', 'state'],
    registers,
    collect: async () => {
      const read = await readAll(sources)
      jobs.reset()
      for (const { source, stats } of read) {
        for (const entry of stats.types) {
          for (const state of JOB_STATES) {
            jobs.set({ queue: source.queueName, type: entry.type, state }, entry[state])
          }
        }
      }
    },
  })
  const due: Gauge<QueueType> = new Gauge({
    name: METRIC_NAMES.jobsDue,
    help: 'Pending jobs that are due now (the backlog), read at scrape time.',
    labelNames: byType,
    registers,
    collect: async () => {
      const read = await readAll(sources)
      due.reset()
      for (const { source, stats } of read) {
        for (const entry of stats.types) due.set({ queue: source.queueName, type: entry.type }, entry.due)
      }
    },
  })
  const oldestAge: Gauge<QueueType> = new Gauge({
    name: METRIC_NAMES.oldestDueJobAgeSeconds,
    help: 'Seconds since the oldest due pending job became due; 0 when none is due. Read at scrape time.',
    labelNames: byType,
    registers,
    collect: async () => {
      const read = await readAll(sources)
      oldestAge.reset()
      for (const { source, stats } of read) {
        const nowMs = source.nowMs()
        for (const entry of stats.types) {
          const ageMs = entry.oldestDueAt === null ? 0 : Math.max(0, nowMs - entry.oldestDueAt.getTime())
          oldestAge.set({ queue: source.queueName, type: entry.type }, ageMs / 1000)
        }
      }
    },
  })
  const slotsInUse: Gauge<QueueType> = new Gauge({
    name: METRIC_NAMES.workerSlotsInUse,
    help: 'Attempts of this type running in this process.',
    labelNames: byType,
    registers,
    collect: () => {
      slotsInUse.reset()
      for (const source of sources.values()) {
        for (const entry of source.slots().types) {
          slotsInUse.set({ queue: source.queueName, type: entry.type }, entry.inUse)
        }
      }
    },
  })
  const slotsLimit: Gauge<QueueType> = new Gauge({
    name: METRIC_NAMES.workerSlotsLimit,
    help: "The type's concurrency in this process (the most attempts of the type it runs at once).",
    labelNames: byType,
    registers,
    collect: () => {
      slotsLimit.reset()
      for (const source of sources.values()) {
        for (const entry of source.slots().types) {
          if (entry.limit !== null) slotsLimit.set({ queue: source.queueName, type: entry.type }, entry.limit)
        }
      }
    },
  })
  const instanceLimit: Gauge<'queue'> = new Gauge({
    name: METRIC_NAMES.workerInstanceSlotsLimit,
    help: "The queue's instanceConcurrency: the most attempts it runs at once across all types in this process.",
    labelNames: ['queue'],
    registers,
    collect: () => {
      instanceLimit.reset()
      for (const source of sources.values()) {
        const limit = source.slots().instanceLimit
        if (limit !== null) instanceLimit.set({ queue: source.queueName }, limit)
      }
    },
  })
  const typePaused: Gauge<QueueType> = new Gauge({
    name: METRIC_NAMES.typePaused,
    help: 'Whether a job type is paused fleet-wide (1) or was resumed (0); type="*" is every type. From the queue\'s view of the type controls at scrape time.',
    labelNames: byType,
    registers,
    collect: () => {
      typePaused.reset()
      for (const source of sources.values()) {
        for (const control of source.typeControls()) {
          typePaused.set({ queue: source.queueName, type: control.type }, control.paused ? 1 : 0)
        }
      }
    },
  })
  return jobs
}

/**
 * Reads the (cached) stats of every source that exports them. A source whose read fails is left
 * out of this scrape (the cache counted and reported the failure) rather than failing the scrape.
 */
async function readAll(
  sources: ReadonlyMap<string, MetricsSource>,
): Promise<Array<{ source: MetricsSource; stats: QueueStats }>> {
  const reads = [...sources.values()].map(async (source) => {
    if (source.stats === null) return null
    try {
      return { source, stats: await source.stats() }
    } catch {
      return null
    }
  })
  const results = await Promise.all(reads)
  return results.filter((result) => result !== null)
}
