import { ALL_TYPES, type Backend, JobQueue, ValidationError } from '@durabl/core'
import { describe, expect, it, type TestContext } from 'vitest'
import { TestClock } from '../test-clock.js'
import { withoutPush } from '../without-push.js'
import { watchCalls } from './cancel-runtime-tests.js'
import type { ConformanceContext } from './conformance-context.js'
import { controlsOf } from './control-store-tests.js'
import { at, getJobOrFail, waitFor } from './fixtures.js'

const PAUSED_TYPE = 'conformance-flow-paused'
const RUNNING_TYPE = 'conformance-flow-running'
const POLL_MS = 1_000

/** Two queues on one backend, as two processes: an admin that pauses and a worker that processes. */
function fleet(backend: Backend, options: { push: boolean }) {
  const clock = new TestClock(at(0))
  const watched = watchCalls(options.push ? backend : withoutPush(backend))
  const admin = new JobQueue(backend, { clock, workerId: 'admin' })
  const worker = new JobQueue(watched.backend, { clock, workerId: 'worker' })
  const started: Array<{ id: string; type: string }> = []
  for (const type of [PAUSED_TYPE, RUNNING_TYPE]) {
    worker.process(type, (job) => void started.push({ id: job.id, type: job.type }), {
      pollIntervalMs: POLL_MS,
    })
  }
  const seen: Array<{ event: string; type: string }> = []
  worker.on('queue:paused', ({ type }) => seen.push({ event: 'paused', type }))
  worker.on('queue:resumed', ({ type }) => seen.push({ event: 'resumed', type }))
  const push: string[] = []
  worker.on('push:connected', () => push.push('connected'))
  worker.on('push:fallback', () => push.push('fallback'))
  /** Moves time through `steps` poll intervals, letting each poll's backend calls finish. */
  const poll = async (steps = 1) => {
    for (let step = 0; step < steps; step++) {
      await watched.idle()
      await clock.advance(POLL_MS)
    }
    await watched.idle()
  }
  const shutdown = async () => {
    await worker.shutdown(0)
    await admin.shutdown(0)
  }
  return { clock, admin, worker, started, seen, push, poll, shutdown }
}

type Fleet = ReturnType<typeof fleet>

async function startWithPush(team: Fleet, test: TestContext): Promise<void> {
  await team.admin.startup()
  await team.worker.startup()
  await waitFor(() => team.push.length > 0, 'push to connect or fall back')
  if (team.push.includes('fallback')) test.skip('push fell back to polling')
}

/**
 * Fleet-wide pause and resume through JobQueue (`capabilities.controls`), with push (the change
 * reaches the worker at once) and without (it reaches it at its next poll). Time moves only by
 * `clock.advance()`; backend replies are awaited by polling with a deadline.
 */
export function describeFlowControlRuntimeTests(context: ConformanceContext): void {
  describe('pausing and resuming job types through JobQueue', () => {
    it('with push, a pause made by another queue stops claims of that type at once; other types run; resume claims at once', async (test) => {
      controlsOf(context.backend, test)
      if (!context.backend.capabilities.push) test.skip('the backend has no push')
      const team = fleet(context.backend, { push: true })
      try {
        await startWithPush(team, test)
        const { control, warning } = await team.admin.pause(PAUSED_TYPE)
        expect(control).toMatchObject({ type: PAUSED_TYPE, paused: true, limits: null, rev: 1 })
        // The worker processes it and is registered (when the backend has a registry): no warning.
        expect(warning).toBeNull()
        await waitFor(
          () => team.seen.some((entry) => entry.type === PAUSED_TYPE),
          'the worker to hear of the pause',
        )
        expect(team.seen).toEqual([{ event: 'paused', type: PAUSED_TYPE }])
        const held = (await team.admin.enqueue(PAUSED_TYPE, {})) as string
        const other = (await team.admin.enqueue(RUNNING_TYPE, {})) as string
        await waitFor(() => team.started.some((job) => job.id === other), 'the other type to run')
        await team.poll(3)
        expect(team.started.map((job) => job.type)).toEqual([RUNNING_TYPE])
        expect(await getJobOrFail(context.backend, held)).toMatchObject({ state: 'pending', attempts: 0 })
        const clockBefore = team.clock.now()
        await team.admin.resume(PAUSED_TYPE)
        // No timer fires: the resume itself makes the worker claim.
        await waitFor(() => team.started.some((job) => job.id === held), 'the resumed type to run')
        expect(team.clock.now()).toEqual(clockBefore)
        expect(team.seen.at(-1)).toEqual({ event: 'resumed', type: PAUSED_TYPE })
      } finally {
        await team.shutdown()
      }
    })

    it('without push, a worker holds a paused type from its next poll, and claims it again at the poll after resume', async (test) => {
      controlsOf(context.backend, test)
      const team = fleet(context.backend, { push: false })
      try {
        await team.admin.startup()
        await team.worker.startup()
        await team.admin.pause(PAUSED_TYPE)
        expect(team.admin.localTypeControls()).toMatchObject([{ type: PAUSED_TYPE, paused: true }])
        await team.poll()
        expect(team.seen).toEqual([{ event: 'paused', type: PAUSED_TYPE }])
        expect(team.worker.localTypeControls()).toMatchObject([{ type: PAUSED_TYPE, paused: true }])
        const held = (await team.admin.enqueue(PAUSED_TYPE, {})) as string
        const other = (await team.admin.enqueue(RUNNING_TYPE, {})) as string
        await team.poll(3)
        expect(team.started.map((job) => job.id)).toEqual([other])
        await team.admin.resume(PAUSED_TYPE)
        await team.poll()
        await waitFor(() => team.started.some((job) => job.id === held), 'the resumed type to run')
      } finally {
        await team.shutdown()
      }
    })

    it('pause() without a type holds every type, also for a queue that starts while it is paused, until resume()', async (test) => {
      controlsOf(context.backend, test)
      const team = fleet(context.backend, { push: context.backend.capabilities.push })
      try {
        await team.admin.startup()
        expect((await team.admin.pause()).control).toMatchObject({ type: ALL_TYPES, paused: true })
        const ids = await team.admin.enqueueMany([
          { type: PAUSED_TYPE, data: {} },
          { type: RUNNING_TYPE, data: {} },
        ])
        await team.worker.startup()
        // Its first read of the controls found every type paused: nothing was ever claimed.
        expect(team.seen).toEqual([{ event: 'paused', type: ALL_TYPES }])
        await team.poll(3)
        expect(team.started).toEqual([])
        await team.admin.resume()
        await team.poll()
        await waitFor(() => team.started.length === 2, 'both types to run')
        expect(team.started.map((job) => job.id).sort()).toEqual([...(ids as string[])].sort())
      } finally {
        await team.shutdown()
      }
    })

    it('getStats() flags paused types and lists those paused without jobs; pause() of all flags every type', async (test) => {
      controlsOf(context.backend, test)
      const clock = new TestClock(at(0))
      const queue = new JobQueue(context.backend, { clock, workerId: 'admin' })
      await queue.enqueue(RUNNING_TYPE, {})
      await queue.pause(PAUSED_TYPE)
      const stats = await queue.getStats()
      expect(stats.allPaused).toBe(false)
      expect(stats.types.map((entry) => [entry.type, entry.paused, entry.pending])).toEqual([
        [PAUSED_TYPE, true, 0],
        [RUNNING_TYPE, false, 1],
      ])
      expect(stats.total.pending).toBe(1)
      expect((await queue.getStats(RUNNING_TYPE)).types.map((entry) => entry.type)).toEqual([RUNNING_TYPE])
      await queue.pause()
      const all = await queue.getStats()
      expect(all.allPaused).toBe(true)
      expect(all.types.every((entry) => entry.paused)).toBe(true)
    })

    it('warns, never fails, when a pause or resume may not do what was asked; refuses a bad type', async (test) => {
      controlsOf(context.backend, test)
      const clock = new TestClock(at(0))
      const queue = new JobQueue(context.backend, { clock, workerId: 'admin' })
      await queue.startup()
      try {
        if (context.backend.capabilities.workers === true) {
          const { warning } = await queue.pause('nobody-processes-this')
          expect(warning).toMatch(/no running queue processes "nobody-processes-this"/)
        }
        await queue.pause()
        expect((await queue.resume(PAUSED_TYPE)).warning).toMatch(/every type is paused/)
        await queue.pause(PAUSED_TYPE)
        expect((await queue.resume()).warning).toContain(JSON.stringify(PAUSED_TYPE))
        for (const bad of ['', 'a\nb', 7]) {
          const error = await queue.pause(bad as string).then(
            () => null,
            (thrown: unknown) => thrown,
          )
          expect(ValidationError.isInstance(error), String(bad)).toBe(true)
          expect((error as Error).message).toContain('type')
        }
      } finally {
        await queue.shutdown(0)
      }
    })
  })
}
