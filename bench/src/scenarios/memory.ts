import { type BenchContext, openProducer } from '../context.js'
import type { MemorySample, WorkerSpec } from '../ipc.js'
import type { MemoryResult } from '../results.js'
import { round } from '../stats.js'
import { WorkerPool } from '../worker-pool.js'

const CONCURRENCY = 16
/** The harness keeps between one and two chunks of pending jobs ahead of the worker. */
const CHUNK_JOBS = 2_500
/**
 * "Flat" means the heap, sampled after a full GC, grows by less than this per job over the second
 * half of the run: 10 bytes per job is 1 MB per 100,000 jobs. Retaining one small object per job
 * (a job id in a Map, a listener, a timer: 100 bytes or more) would be ten times that, while the
 * heap's sample-to-sample noise (a few hundred KB) stays below it over a 50,000-job half.
 */
export const FLAT_HEAP_BYTES_PER_JOB = 10
const MIB = 1024 * 1024

/** Least-squares slope of y against x. */
export function slope(points: Array<{ x: number; y: number }>): number {
  const count = points.length
  if (count < 2) return Number.NaN
  const meanX = points.reduce((sum, point) => sum + point.x, 0) / count
  const meanY = points.reduce((sum, point) => sum + point.y, 0) / count
  let numerator = 0
  let denominator = 0
  for (const point of points) {
    numerator += (point.x - meanX) * (point.y - meanY)
    denominator += (point.x - meanX) ** 2
  }
  return denominator === 0 ? Number.NaN : numerator / denominator
}

/**
 * Scenario 8 (opt-in): one durabl worker process (no-op handlers, concurrency 16, push on) runs
 * `memoryJobs` jobs, which the harness feeds in chunks so the backlog stays small. The worker,
 * forked with `--expose-gc`, forces a full GC and reports `process.memoryUsage()` every
 * `memorySampleEveryJobs` jobs. The heap is judged flat when its slope over the second half (after
 * warm-up) is under FLAT_HEAP_BYTES_PER_JOB.
 */
export async function runMemoryScenario(context: BenchContext): Promise<void> {
  const { config } = context
  if (!context.systems.includes('durabl')) return
  const total = config.memoryJobs
  const name = context.uniqueName('memory_durabl')
  const producer = await openProducer(context, 'durabl', name)
  let pool: WorkerPool | null = null
  try {
    let enqueued = 0
    let feeding: Promise<void> | null = null
    let feedError: Error | null = null
    const feed = () => {
      const size = Math.min(CHUNK_JOBS, total - enqueued)
      enqueued += size
      feeding = producer
        .enqueueBulk('bench', size, config.bulkSize)
        .catch((error: unknown) => {
          feedError = error instanceof Error ? error : new Error(String(error))
        })
        .finally(() => {
          feeding = null
        })
    }
    feed()
    await feeding
    if (enqueued < total) feed()
    await feeding

    const spec: WorkerSpec = {
      system: 'durabl',
      mode: 'count',
      types: ['bench'],
      concurrency: CONCURRENCY,
      push: true,
      agendaProcessEveryMs: config.agendaProcessEveryMs,
      dbName: name,
      sampleMemoryEveryJobs: config.memorySampleEveryJobs,
    }
    pool = await WorkerPool.start(spec, 1, context.mongoUri)
    const samples: MemorySample[] = []
    pool.onMemory((sample) => samples.push(sample))
    const startedAt = performance.now()
    pool.go()
    // Generous: on a loaded 2-core machine the in-process server slows as the collection grows.
    const capMs = Math.max(config.runCapMs, total * 30)
    let nextLogAt = total / 10
    const drained = await pool.waitForCompleted(total, capMs, (completed) => {
      if (completed >= nextLogAt) {
        nextLogAt += total / 10
        context.log(`  memory: ${completed} jobs after ${round((performance.now() - startedAt) / 1000)} s`)
      }
      if (feedError === null && feeding === null && enqueued < total && enqueued - completed < CHUNK_JOBS)
        feed()
    })
    const seconds = (performance.now() - startedAt) / 1000
    const failure = feedError as Error | null // assigned in the feed's catch
    if (failure !== null) throw new Error(`feeding the memory run failed: ${failure.message}`)
    const [final] = await pool.snapshot('end') // the last sample's message precedes this answer
    const completed = drained ? total : (final?.completed ?? 0)
    const secondHalf = samples.filter((sample) => sample.completed >= completed / 2)
    const heapSlope = slope(secondHalf.map((sample) => ({ x: sample.completed, y: sample.heapUsedBytes })))
    const rssSlope = slope(secondHalf.map((sample) => ({ x: sample.completed, y: sample.rssBytes })))
    const result: MemoryResult = {
      jobs: total,
      completed,
      concurrency: CONCURRENCY,
      seconds: round(seconds),
      sampleEveryJobs: config.memorySampleEveryJobs,
      samples: samples.map((sample) => ({
        completed: sample.completed,
        heapUsedMiB: round(sample.heapUsedBytes / MIB),
        rssMiB: round(sample.rssBytes / MIB),
        externalMiB: round(sample.externalBytes / MIB),
      })),
      heapSlopeBytesPerJob: round(heapSlope),
      rssSlopeBytesPerJob: round(rssSlope),
      thresholdBytesPerJob: FLAT_HEAP_BYTES_PER_JOB,
      // Judged on the slope alone; the target also asks that all the jobs ran (see `completed`).
      flat: Number.isFinite(heapSlope) && heapSlope < FLAT_HEAP_BYTES_PER_JOB,
    }
    context.results.memory = result
    context.log(
      `memory durabl 1×c${CONCURRENCY}: ${completed}/${total} jobs in ${result.seconds} s${drained ? '' : ' (capped)'}; heap ${result.samples[0]?.heapUsedMiB} → ${result.samples.at(-1)?.heapUsedMiB} MiB, second-half slope ${result.heapSlopeBytesPerJob} B/job (RSS ${result.rssSlopeBytesPerJob} B/job): ${result.flat ? 'flat' : 'NOT flat'}`,
    )
  } finally {
    pool?.onMemory(null)
    await pool?.stop()
    await producer.dispose()
  }
}
