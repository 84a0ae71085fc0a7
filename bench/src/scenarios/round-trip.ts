import type { BenchContext } from '../context.js'
import type { RoundTripCostResult } from '../results.js'
import { measureLatency, measurePing, pushLatencyPlan } from './latency.js'
import { runProcessing } from './processing-run.js'

/**
 * c16 is what the targets name; c1 is where every round trip of a job is on its critical path. A
 * c1 run gets a third of the jobs (it is the slowest).
 */
const CONCURRENCIES = [1, 16] as const
const SYSTEMS = ['durabl', 'agenda'] as const

/**
 * Scenario 7: what a network round trip per command does to each queue. The in-process server
 * delays every command reply (`faults.delayReplies`; monitoring hellos are never delayed) by a
 * fixed time, and durabl and Agenda run the same drains (c1 and c16, one process) and push pickup-latency
 * runs through it. A reply delay stands for a round trip: the request's half is moved to the reply,
 * so a change-stream getMore answers one delay after the event and a pickup (insert, event, claim)
 * pays one delay per command, as it would pay one round trip per command on a network.
 */
export async function runRoundTripScenario(context: BenchContext): Promise<void> {
  const { config, faults } = context
  if (faults === null) {
    const note =
      'round-trip scenario skipped: it adds delays on the in-process server; a real MongoDB has its own round trips'
    context.log(note)
    context.results.notes.push(note)
    return
  }
  const systems = SYSTEMS.filter((system) => context.systems.includes(system))
  const rows: RoundTripCostResult[] = []
  context.results.roundTripCost = rows
  // Warm-up, not reported: when this scenario runs first, the server's code is still cold.
  for (const system of systems) {
    await runProcessing(context, { system, instances: 1, concurrency: 16, jobs: 200 })
  }
  try {
    for (const delayMs of config.roundTripDelaysMs) {
      faults.delayReplies(delayMs)
      const ping = await measurePing(context, 50)
      const row: RoundTripCostResult = {
        addedDelayMs: delayMs,
        pingP50Ms: ping.p50Ms,
        throughput: [],
        latency: [],
      }
      rows.push(row)
      context.log(`round trip +${delayMs} ms: ping p50 ${ping.p50Ms} ms`)
      for (const concurrency of CONCURRENCIES) {
        for (const system of systems) {
          const result = await runProcessing(context, {
            system,
            instances: 1,
            concurrency,
            jobs:
              concurrency === 1 ? Math.max(100, Math.round(config.roundTripJobs / 3)) : config.roundTripJobs,
            // A slow queue at 2 ms per command still gets time for a rate worth quoting.
            runCapMs: config.runCapMs * 2,
          })
          row.throughput.push({
            system,
            concurrency,
            jobsPerSecond: result.jobsPerSecond,
            drained: result.drained,
            commandsPerJob: result.wholeRunCommandsPerJob,
          })
          context.log(
            `  ${system} 1×c${concurrency}: ${result.jobsPerSecond} jobs/s (${result.completed}/${result.jobs}${result.drained ? '' : ', capped'}), ${result.wholeRunCommandsPerJob} commands/job`,
          )
        }
      }
      for (const system of systems) {
        const plan = pushLatencyPlan(context, system, config.roundTripLatencySamples)
        const latency = await measureLatency(context, { ...plan, timeoutMs: plan.timeoutMs + delayMs * 100 })
        row.latency.push(latency)
        context.log(
          `  ${system} push pickup: p50 ${latency.p50Ms} ms, p95 ${latency.p95Ms} ms over ${latency.samples}${latency.error ? ` — ERROR ${latency.error}` : ''}`,
        )
      }
    }
  } finally {
    faults.clear()
  }
}
