import { JobQueue } from '@durabl/core'
import { MemoryBackend, TestClock } from '@durabl/testing'
import { Registry } from 'prom-client'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { allSeries, seriesValue } from '../../test/support/prom-values.js'
import { waitFor } from '../../test/support/wait-for.js'
import { instrumentQueue } from './instrument-queue.js'
import { METRIC_NAMES } from './metric-names.js'

const queues: JobQueue[] = []
afterEach(async () => {
  await Promise.all(queues.splice(0).map((queue) => queue.shutdown(0)))
})

function startedQueue(backend: MemoryBackend, workerId: string) {
  const queue = new JobQueue(backend, { clock: new TestClock(), workerId })
  queues.push(queue)
  return queue
}

describe('durabl_type_paused and durabl_jobs_snoozed_total', () => {
  it("exports each type's pause state from the queue's view at scrape time, without a backend call", async () => {
    const backend = new MemoryBackend()
    const admin = startedQueue(backend, 'admin')
    const worker = startedQueue(backend, 'worker')
    worker.process('email', () => {})
    await worker.startup()
    const registry = new Registry()
    instrumentQueue(worker, { registry, queueName: 'main', collectStats: false })
    expect(await allSeries(registry, METRIC_NAMES.typePaused)).toEqual([])

    await admin.pause('email')
    await admin.pause()
    // The worker hears of both through push.
    await waitFor('the worker to see both pauses', () => worker.localTypeControls().length === 2)
    const reads = vi.spyOn(backend.controls, 'listTypeControls')
    expect(await seriesValue(registry, METRIC_NAMES.typePaused, { queue: 'main', type: 'email' })).toBe(1)
    expect(await seriesValue(registry, METRIC_NAMES.typePaused, { queue: 'main', type: '*' })).toBe(1)
    // The scrape read the queue's memory only.
    expect(reads).not.toHaveBeenCalled()
    await admin.resume('email')
    await waitFor('the worker to see the resume', () =>
      worker.localTypeControls().some((control) => control.type === 'email' && !control.paused),
    )
    expect(await seriesValue(registry, METRIC_NAMES.typePaused, { queue: 'main', type: 'email' })).toBe(0)
  })

  it('counts snoozes per type and frees the slot the event-counted gauge holds', async () => {
    const backend = new MemoryBackend()
    const worker = startedQueue(backend, 'worker')
    let runs = 0
    worker.process('poll', (_job, ctx) => (++runs === 1 ? ctx.snooze(60_000) : undefined))
    const registry = new Registry()
    // Without getConcurrency(), slots are counted from events: a snooze must end the attempt there.
    instrumentQueue(
      { on: worker.on.bind(worker), off: worker.off.bind(worker), getStats: () => worker.getStats() },
      { registry, queueName: 'main', collectStats: false },
    )
    let snoozed = 0
    worker.on('job:snoozed', () => snoozed++)
    await worker.startup()
    await worker.enqueue('poll', {})
    await waitFor('job:snoozed', () => snoozed === 1)
    const labels = { queue: 'main', type: 'poll' }
    expect(await seriesValue(registry, METRIC_NAMES.jobsSnoozed, labels)).toBe(1)
    expect(runs).toBe(1)
    expect(await seriesValue(registry, METRIC_NAMES.workerSlotsInUse, labels)).toBe(0)
  })
})
