import type { ClaimTypeLimit, TypeLimits } from '@durabl/core'
import { MongoBackend } from '@durabl/mongo'
import { MongoClient } from 'mongodb'
import type { BenchContext } from '../context.js'
import type { LimitsResult, ThroughputResult } from '../results.js'
import { round } from '../stats.js'
import { runProcessing } from './processing-run.js'

/** The claim operations of durabl (by `comment`): what a claim batch costs. */
const CLAIM_OPERATIONS = new Set(['claimJobs', 'claimOneJob', 'claimConfirm', 'claimSlots', 'reserveStarts'])
const BATCH = 16
const BATCHES = 20
/** Keys the claim-batch jobs spread over: a batch of 16 holds 16 distinct keys. */
const BATCH_KEYS = 20

/** The limit variants of the claim-batch rows; none of them binds, so every batch is full. */
const CLAIM_VARIANTS: Array<{ name: string; limits: TypeLimits | null }> = [
  { name: 'no limits', limits: null },
  { name: 'concurrency 1000 (type)', limits: { concurrency: 1_000 } },
  { name: 'concurrency 50 per key', limits: { perKey: { concurrency: 50 } } },
  { name: 'rate 10000/s (type)', limits: { rateLimit: { max: 10_000, perMs: 1_000 } } },
  { name: 'rate 1000/s per key', limits: { perKey: { rateLimit: { max: 1_000, perMs: 1_000 } } } },
  {
    name: 'all four',
    limits: {
      concurrency: 1_000,
      rateLimit: { max: 10_000, perMs: 1_000 },
      perKey: { concurrency: 50, rateLimit: { max: 1_000, perMs: 1_000 } },
    },
  },
]

/**
 * Scenario limits: (1) the MongoDB commands one claim batch of 16 costs with each kind of
 * fleet-wide limit against none, counted by `comment` on a backend in the harness (each batch is
 * completed before the next, not counted); (2) drain throughput with a per-key concurrency limit
 * against none, same jobs (spread over `BENCH_LIMIT_KEYS` keys), 1 and 4 processes at c16, each
 * pair run `BENCH_LIMITS_REPEATS` times interleaved (the medians are reported).
 */
export async function runLimitsScenario(context: BenchContext): Promise<void> {
  const result: LimitsResult = { claimBatches: [], throughput: [] }
  context.results.limits = result
  for (const variant of CLAIM_VARIANTS) {
    const row = await measureClaimBatches(context, variant.name, variant.limits)
    result.claimBatches.push(row)
    context.log(
      `limits claim batch ${variant.name}: ${row.commandsPerBatch} commands/batch (${row.jobsPerBatch} jobs/batch) ${JSON.stringify(row.byOperation)}`,
    )
  }
  const perKey: TypeLimits = { perKey: { concurrency: 1 } }
  const variants = [
    ['no limits', undefined],
    ['concurrency 1 per key', perKey],
  ] as const
  for (const instances of [1, 4]) {
    // Pairs interleaved, medians reported: a loaded machine drifts more than the difference.
    const runs = new Map<string, ThroughputResult[]>()
    for (let repeat = 0; repeat < context.config.limitsRepeats; repeat++) {
      for (const [name, limits] of variants) {
        const run = await runProcessing(context, {
          system: 'durabl',
          instances,
          concurrency: 16,
          jobs: context.config.jobs,
          limitKeys: context.config.limitKeys,
          ...(limits === undefined ? {} : { limits }),
        })
        runs.set(name, [...(runs.get(name) ?? []), run])
        context.log(
          `limits throughput ${name} ${instances}×c16 over ${context.config.limitKeys} keys: ${run.jobsPerSecond} jobs/s, ${run.steadyCommandsPerJob} worker commands/job; per job ${JSON.stringify(run.steadyByCommand)}`,
        )
      }
    }
    for (const [name] of variants) {
      const all = runs.get(name) ?? []
      const median = [...all].sort((left, right) => left.jobsPerSecond - right.jobsPerSecond)[
        Math.floor(all.length / 2)
      ] as ThroughputResult
      result.throughput.push({
        limits: name,
        keys: context.config.limitKeys,
        instances,
        concurrency: 16,
        jobsPerSecond: median.jobsPerSecond,
        runs: all.map((run) => run.jobsPerSecond),
        drained: all.every((run) => run.drained),
        steadyCommandsPerJob: median.steadyCommandsPerJob,
        claimCommandsPerJob: median.steadyByCategory?.claim ?? null,
      })
    }
  }
}

async function measureClaimBatches(
  context: BenchContext,
  name: string,
  limits: TypeLimits | null,
): Promise<LimitsResult['claimBatches'][number]> {
  const client = new MongoClient(context.mongoUri, { monitorCommands: true })
  await client.connect()
  const db = client.db(context.uniqueName('limits_claims'))
  const byOperation: Record<string, number> = {}
  let counting = false
  client.on('commandStarted', (event) => {
    const comment: unknown = event.command.comment
    if (!counting || typeof comment !== 'string' || !comment.startsWith('durabl:')) return
    const operation = comment.slice('durabl:'.length)
    if (!CLAIM_OPERATIONS.has(operation)) return
    const key = `${event.commandName}:${operation}`
    byOperation[key] = (byOperation[key] ?? 0) + 1
  })
  try {
    const backend = new MongoBackend({ db, useChangeStreams: false })
    await backend.startup()
    const total = BATCH * BATCHES
    await backend.enqueueJobs({
      jobs: Array.from({ length: total }, (_, index) => ({
        type: 'bench',
        data: {},
        priority: 0,
        runAt: new Date(0),
        maxAttempts: 3,
        backoff: { type: 'fixed', delayMs: 1_000 },
        timeoutMs: null,
        dedupeKey: null,
        dedupeScope: null,
        limitKey: `key-${index % BATCH_KEYS}`,
        metadata: {},
      })),
      now: new Date(),
    })
    const types: ClaimTypeLimit[] = [{ type: 'bench', limit: BATCH, leaseMs: 30_000, limits }]
    let claimed = 0
    for (let batch = 0; batch < BATCHES; batch++) {
      counting = true
      const jobs = await backend.claimJobs({ types, limit: BATCH, workerId: 'bench', now: new Date() })
      counting = false
      claimed += jobs.length
      await backend.completeJobs({
        jobs: jobs.map((job) => ({ id: job.id, leaseToken: job.leaseToken as string })),
        now: new Date(),
      })
    }
    const commands = Object.values(byOperation).reduce((sum, count) => sum + count, 0)
    return {
      limits: name,
      batches: BATCHES,
      jobsPerBatch: round(claimed / BATCHES),
      commandsPerBatch: round(commands / BATCHES),
      byOperation: Object.fromEntries(
        Object.entries(byOperation).map(([key, count]) => [key, round(count / BATCHES)]),
      ),
    }
  } finally {
    await db.dropDatabase().catch(() => undefined)
    await client.close()
  }
}
