import { applicationCommands, diffSnapshots } from '../command-meter.js'
import { type BenchContext, openProducer } from '../context.js'
import type { EnqueueResult } from '../results.js'
import { round } from '../stats.js'
import { AGENDA_BULK_IN_FLIGHT } from '../systems/producers.js'

const BULK_METHOD = {
  durabl: 'enqueueMany',
  agenda: `no bulk API: ${AGENDA_BULK_IN_FLIGHT} concurrent now() calls`,
  bullmq: 'addBulk',
} as const

/** Scenario 1: enqueue throughput one by one (each awaited) and in bulk, from the harness process. */
export async function runEnqueueScenario(context: BenchContext): Promise<void> {
  const { config } = context
  for (const system of context.systems) {
    for (const mode of ['one-by-one', 'bulk'] as const) {
      const jobs =
        mode === 'bulk' ? config.jobs : system === 'agenda' ? config.agendaJobs : config.enqueueJobs
      const producer = await openProducer(context, system, context.uniqueName(`enqueue_${system}`))
      try {
        // A few writes first, so connection set-up and index creation are not timed.
        for (let index = 0; index < 5; index += 1) await producer.enqueueOne('warm-up')
        const before = context.meter.snapshot()
        const startedAt = performance.now()
        if (mode === 'one-by-one') {
          for (let index = 0; index < jobs; index += 1) await producer.enqueueOne('bench')
        } else {
          await producer.enqueueBulk('bench', jobs, config.bulkSize)
        }
        const seconds = (performance.now() - startedAt) / 1000
        const commands = diffSnapshots(before, context.meter.snapshot())
        const result: EnqueueResult = {
          system,
          mode,
          method:
            mode === 'one-by-one'
              ? 'awaited one at a time'
              : system === 'agenda'
                ? BULK_METHOD.agenda
                : `${BULK_METHOD[system]} (${config.bulkSize}/call)`,
          jobs,
          seconds: round(seconds),
          jobsPerSecond: round(jobs / seconds),
          commandsPerJob: system === 'bullmq' ? null : round(applicationCommands(commands) / jobs),
        }
        context.results.enqueue.push(result)
        context.log(
          `enqueue ${system} ${mode}: ${result.jobsPerSecond} jobs/s (${jobs} jobs)${result.commandsPerJob === null ? '' : `, ${result.commandsPerJob} commands/job`}`,
        )
      } finally {
        await producer.dispose()
      }
    }
  }
}
