import type { BenchContext } from '../context.js'
import { runProcessing } from './processing-run.js'

/**
 * Scenario 2: drain throughput of no-op jobs at each concurrency, with 1 and N worker processes,
 * for every system. The same runs give the steady-state commands per job (scenario 4).
 */
export async function runThroughputScenario(context: BenchContext): Promise<void> {
  const { config } = context
  for (const system of context.systems) {
    for (const instances of config.instances) {
      for (const concurrency of config.concurrencies) {
        const jobs = system === 'agenda' ? config.agendaJobs : config.jobs
        const result = await runProcessing(context, { system, instances, concurrency, jobs })
        context.results.throughput.push(result)
        const commands =
          result.steadyCommandsPerJob === null ? '' : `, ${result.steadyCommandsPerJob} worker commands/job`
        context.log(
          `throughput ${system} ${instances}×c${concurrency}: ${result.jobsPerSecond} jobs/s (${result.completed}/${jobs} in ${result.seconds} s${result.drained ? '' : ', capped'})${commands}`,
        )
      }
    }
  }
}

/**
 * Scenario 4 on its own (when the throughput matrix was not run): the runs the targets need —
 * worker-side commands per job at concurrency 1, 16 and 64, 4 processes against 1 at c16 (scale
 * out), and Agenda at c16 for the ratio.
 */
export async function runCommandsScenario(context: BenchContext): Promise<void> {
  const { config } = context
  const have = (system: string, instances: number, concurrency: number) =>
    context.results.throughput.some(
      (entry) =>
        entry.system === system && entry.instances === instances && entry.concurrency === concurrency,
    )
  const plan: Array<{ system: 'durabl' | 'agenda'; instances: number; concurrency: number }> = [
    { system: 'durabl', instances: 1, concurrency: 1 },
    { system: 'durabl', instances: 1, concurrency: 16 },
    { system: 'durabl', instances: 1, concurrency: 64 },
    { system: 'durabl', instances: 4, concurrency: 16 },
    { system: 'agenda', instances: 1, concurrency: 16 },
  ]
  for (const entry of plan) {
    if (!context.systems.includes(entry.system) || have(entry.system, entry.instances, entry.concurrency))
      continue
    const jobs = entry.system === 'agenda' ? config.agendaJobs : config.jobs
    const result = await runProcessing(context, { ...entry, jobs })
    context.results.throughput.push(result)
    context.log(
      `commands ${entry.system} ${entry.instances}×c${entry.concurrency}: ${result.steadyCommandsPerJob} worker commands/job (${result.jobsPerSecond} jobs/s)`,
    )
  }
}
