import { JobQueue } from '@durabl/core'
import { MemoryBackend } from '@durabl/testing'
import type { BenchContext } from '../context.js'
import type { CpuResult } from '../results.js'
import { round } from '../stats.js'

/**
 * Jobs are fed in rounds of this many, each drained before the next: MemoryBackend scans its
 * pending jobs on every claim, so a large backlog would measure MemoryBackend, not the runtime.
 */
const ROUND = 200

function cpuMicros(since: NodeJS.CpuUsage): number {
  const usage = process.cpuUsage(since)
  return usage.user + usage.system
}

function items(count: number) {
  return Array.from({ length: count }, (_, index) => ({ type: 'cpu', data: { n: index } }))
}

async function measure(jobs: number, concurrency: number): Promise<CpuResult> {
  // Enqueue alone: a queue without processors, same rounds.
  const writer = new JobQueue(new MemoryBackend())
  await writer.startup()
  const enqueueStart = process.cpuUsage()
  for (let offset = 0; offset < jobs; offset += ROUND) {
    await writer.enqueueMany(items(Math.min(ROUND, jobs - offset)))
  }
  const enqueueMicros = cpuMicros(enqueueStart)
  await writer.shutdown()

  const queue = new JobQueue(new MemoryBackend(), { instanceConcurrency: Math.max(100, concurrency) })
  let completed = 0
  let target = 0
  let wake: () => void = () => {}
  queue.on('job:completed', () => {
    completed += 1
    if (completed >= target) wake()
  })
  queue.process('cpu', async () => undefined, { concurrency })
  await queue.startup()
  const totalStart = process.cpuUsage()
  const startedAt = performance.now()
  for (let offset = 0; offset < jobs; offset += ROUND) {
    const size = Math.min(ROUND, jobs - offset)
    target += size
    const drained = new Promise<void>((resolve) => {
      wake = resolve
    })
    await queue.enqueueMany(items(size))
    await drained
  }
  const seconds = (performance.now() - startedAt) / 1000
  const totalMicros = cpuMicros(totalStart)
  await queue.shutdown()
  return {
    concurrency,
    jobs,
    processCpuMicrosPerJob: round(Math.max(0, totalMicros - enqueueMicros) / jobs),
    enqueueCpuMicrosPerJob: round(enqueueMicros / jobs),
    jobsPerSecond: round(jobs / seconds),
  }
}

/**
 * Scenario 6: the runtime's own CPU per job with MemoryBackend (no database, no I/O), in the
 * harness process before any MongoDB traffic. It includes MemoryBackend's work (a structuredClone
 * of every job it stores or returns), so it is an upper bound of the runtime's share. Processing
 * CPU is the CPU of enqueue-and-drain rounds minus that of enqueueing the same rounds alone.
 */
export async function runCpuScenario(context: BenchContext): Promise<void> {
  const jobs = context.config.cpuJobs
  await measure(Math.min(1_000, jobs), 16) // warm-up: JIT, module initialisation
  for (const concurrency of [1, 64]) {
    const result = await measure(jobs, concurrency)
    context.results.cpu.push(result)
    context.log(
      `cpu  MemoryBackend c=${concurrency}: ${result.processCpuMicrosPerJob} µs CPU/job processing, ${result.enqueueCpuMicrosPerJob} µs/job enqueueMany, ${result.jobsPerSecond} jobs/s`,
    )
  }
}
