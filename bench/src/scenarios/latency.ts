import type { SystemName } from '../config.js'
import { type BenchContext, delay, openProducer } from '../context.js'
import type { WorkerSpec } from '../ipc.js'
import type { LatencyResult } from '../results.js'
import { mean, quantile, round } from '../stats.js'
import { WorkerPool } from '../worker-pool.js'

const WARM_UP_JOBS = 3

export interface LatencyPlan {
  system: SystemName
  delivery: 'push' | 'poll'
  setting: string
  push: boolean
  pollIntervalMs?: number
  samples: number
  /** Extra random idle time between jobs, so samples fall at every phase of a poll cycle. */
  jitterMs: number
  timeoutMs: number
}

/** Percentiles of the samples taken, in milliseconds. */
function summarize(plan: LatencyPlan, latencies: number[]): LatencyResult {
  const sorted = [...latencies].sort((left, right) => left - right)
  return {
    system: plan.system,
    delivery: plan.delivery,
    setting: plan.setting,
    samples: sorted.length,
    p50Ms: round(quantile(sorted, 0.5)),
    p95Ms: round(quantile(sorted, 0.95)),
    p99Ms: round(quantile(sorted, 0.99)),
    maxMs: round(sorted[sorted.length - 1] ?? Number.NaN),
    meanMs: round(mean(sorted)),
  }
}

export async function measureLatency(context: BenchContext, plan: LatencyPlan): Promise<LatencyResult> {
  const { config } = context
  const name = context.uniqueName(`lat_${plan.system}`)
  const producer = await openProducer(context, plan.system, name)
  let pool: WorkerPool | null = null
  const latencies: number[] = []
  try {
    const spec: WorkerSpec = {
      system: plan.system,
      mode: 'latency',
      types: [plan.system === 'bullmq' ? name : 'bench'],
      concurrency: 1,
      push: plan.push,
      ...(plan.pollIntervalMs === undefined ? {} : { pollIntervalMs: plan.pollIntervalMs }),
      agendaProcessEveryMs: config.agendaProcessEveryMs,
      dbName: name,
      ...(context.redis ? { redis: { host: context.redis.host, port: context.redis.port } } : {}),
    }
    pool = await WorkerPool.start(spec, 1, context.mongoUri)
    pool.go()
    let waiter: ((latencyMs: number) => void) | null = null
    pool.onLatency((latencyMs) => waiter?.(latencyMs))
    for (let index = 0; index < WARM_UP_JOBS + plan.samples; index += 1) {
      const started = new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), plan.timeoutMs)
        waiter = (latencyMs) => {
          clearTimeout(timer)
          resolve(latencyMs)
        }
      })
      await producer.enqueueOne('bench')
      const latencyMs = await started
      waiter = null
      if (latencyMs === null) throw new Error(`a job was not picked up within ${plan.timeoutMs} ms`)
      if (index >= WARM_UP_JOBS) latencies.push(latencyMs)
      // Let the queue go idle (its acknowledgement written, the claim loop waiting) before the next.
      await delay(config.latencyGapMs + Math.random() * plan.jitterMs)
    }
    return summarize(plan, latencies)
  } catch (error) {
    // The samples taken before the failure still count; the error says why the run stopped.
    return { ...summarize(plan, latencies), error: (error as Error).message }
  } finally {
    pool?.onLatency(null)
    await pool?.stop()
    await producer.dispose()
  }
}

/** The push pickup-latency run of durabl (change stream) or Agenda (its change-stream channel). */
export function pushLatencyPlan(
  context: BenchContext,
  system: 'durabl' | 'agenda',
  samples: number,
): LatencyPlan {
  const { config } = context
  return system === 'durabl'
    ? {
        system: 'durabl',
        delivery: 'push',
        setting: 'change stream (default poll interval while push is live: 60 s)',
        push: true,
        samples,
        jitterMs: config.latencyGapMs,
        timeoutMs: 10_000,
      }
    : {
        system: 'agenda',
        delivery: 'push',
        setting: `MongoChangeStreamNotificationChannel, processEvery: ${config.agendaProcessEveryMs} ms`,
        push: true,
        samples,
        jitterMs: config.latencyGapMs,
        timeoutMs: config.agendaProcessEveryMs * 3 + 5_000,
      }
}

/** Sequential `ping` round trips from the harness: p50 and p95 in ms. */
export async function measurePing(
  context: BenchContext,
  samples: number,
): Promise<{ samples: number; p50Ms: number; p95Ms: number }> {
  const pings: number[] = []
  const admin = context.client.db('admin')
  for (let index = 0; index < samples + 5; index += 1) {
    const startedAt = performance.now()
    await admin.command({ ping: 1 })
    if (index >= 5) pings.push(performance.now() - startedAt)
  }
  pings.sort((left, right) => left - right)
  return { samples: pings.length, p50Ms: round(quantile(pings, 0.5)), p95Ms: round(quantile(pings, 0.95)) }
}

/**
 * Scenario 3: pickup latency, enqueue → handler start, one job at a time with the queue idle in
 * between, measured on a clock shared by the harness and the worker process.
 */
export async function runLatencyScenario(context: BenchContext): Promise<void> {
  const { config } = context
  context.results.roundTrip = await measurePing(context, 100)
  context.log(
    `round trip (ping from the harness): p50 ${context.results.roundTrip.p50Ms} ms, p95 ${context.results.roundTrip.p95Ms} ms`,
  )

  const plans: LatencyPlan[] = []
  const pushSamples = config.latencySamples
  const pollSamples = config.pollLatencySamples
  const gap = config.latencyGapMs
  if (context.systems.includes('durabl')) {
    plans.push(pushLatencyPlan(context, 'durabl', pushSamples))
    plans.push({
      system: 'durabl',
      delivery: 'poll',
      setting: `useChangeStreams: false, pollIntervalMs: ${config.pollIntervalMs}`,
      push: false,
      pollIntervalMs: config.pollIntervalMs,
      samples: pollSamples,
      jitterMs: config.pollIntervalMs,
      timeoutMs: config.pollIntervalMs * 3 + 5_000,
    })
  }
  if (context.systems.includes('agenda')) {
    plans.push({
      system: 'agenda',
      delivery: 'poll',
      setting: `processEvery: ${config.agendaProcessEveryMs} ms`,
      push: false,
      samples: Math.max(pollSamples, Math.round(pushSamples / 2)),
      jitterMs: config.agendaProcessEveryMs,
      timeoutMs: config.agendaProcessEveryMs * 3 + 5_000,
    })
    plans.push(pushLatencyPlan(context, 'agenda', pushSamples))
  }
  if (context.systems.includes('bullmq')) {
    plans.push({
      system: 'bullmq',
      delivery: 'push',
      setting: 'BullMQ defaults (blocking wait on the marker key)',
      push: true,
      samples: pushSamples,
      jitterMs: gap,
      timeoutMs: 10_000,
    })
  }
  for (const plan of plans) {
    const result = await measureLatency(context, plan)
    context.results.latency.push(result)
    context.log(
      `latency ${plan.system} ${plan.delivery} (${plan.setting}): p50 ${result.p50Ms} ms, p95 ${result.p95Ms} ms, p99 ${result.p99Ms} ms over ${result.samples}${result.error ? ` — ERROR ${result.error}` : ''}`,
    )
  }
}
