import {
  ALL_TYPES,
  type Backend,
  type ControlChange,
  type ControlStore,
  type PushStatus,
  ValidationError,
} from '@durabl/core'
import { describe, expect, it, type TestContext } from 'vitest'
import type { ConformanceContext } from './conformance-context.js'
import { at, expectTime, JOB_TYPE, OTHER_TYPE, waitFor } from './fixtures.js'

/** The type control store (`capabilities.controls`): stored pause state per job type. */
export function describeControlStoreTests(context: ConformanceContext): void {
  describe('type controls', () => {
    it('creates a control on first write (limits null, rev 1) and lists every control sorted by type', async (test) => {
      const controls = controlsOf(context.backend, test)
      expect(await controls.listTypeControls({})).toEqual([])
      const written = await controls.setTypeControl({ type: OTHER_TYPE, set: { paused: true }, now: at(5) })
      expect(written).toMatchObject({ type: OTHER_TYPE, paused: true, limits: null, rev: 1 })
      expectTime(written.updatedAt, at(5), 'updatedAt')
      await controls.setTypeControl({ type: JOB_TYPE, set: { paused: false }, now: at(6) })
      await controls.setTypeControl({ type: ALL_TYPES, set: { paused: true }, now: at(7) })
      const listed = await controls.listTypeControls({})
      expect(listed.map((control) => [control.type, control.paused, control.rev])).toEqual([
        [ALL_TYPES, true, 1],
        [JOB_TYPE, false, 1],
        [OTHER_TYPE, true, 1],
      ])
      expect(listed[2]).toEqual(written)
    })

    it('bumps rev on every write, sets only the fields given, and keeps limits as stored', async (test) => {
      const controls = controlsOf(context.backend, test)
      const limits = { concurrency: 3, rate: { per: 'second', count: 10 }, note: 'opaque' }
      await controls.setTypeControl({ type: JOB_TYPE, set: { limits }, now: at(0) })
      const paused = await controls.setTypeControl({ type: JOB_TYPE, set: { paused: true }, now: at(1) })
      expect(paused).toMatchObject({ paused: true, limits, rev: 2 })
      // The same value again is still a write.
      const again = await controls.setTypeControl({ type: JOB_TYPE, set: { paused: true }, now: at(2) })
      expect(again).toMatchObject({ paused: true, limits, rev: 3 })
      expectTime(again.updatedAt, at(2), 'updatedAt')
      const cleared = await controls.setTypeControl({ type: JOB_TYPE, set: { limits: null }, now: at(3) })
      expect(cleared).toMatchObject({ paused: true, limits: null, rev: 4 })
      expect(await controls.listTypeControls({})).toEqual([cleared])
    })

    it('concurrent first writes of one type create it once', async (test) => {
      const controls = controlsOf(context.backend, test)
      await Promise.all(
        Array.from({ length: 5 }, (_, index) =>
          controls.setTypeControl({ type: JOB_TYPE, set: { paused: index % 2 === 0 }, now: at(index) }),
        ),
      )
      const listed = await controls.listTypeControls({})
      expect(listed.map((control) => [control.type, control.rev])).toEqual([[JOB_TYPE, 5]])
    })

    it('refuses bad input with a ValidationError naming the field, and writes nothing', async (test) => {
      const controls = controlsOf(context.backend, test)
      const bad: Array<[unknown, string]> = [
        [{ type: '', set: { paused: true }, now: at(0) }, 'type'],
        [{ type: 'bad\ntype', set: { paused: true }, now: at(0) }, 'type'],
        [{ type: JOB_TYPE, set: {}, now: at(0) }, 'set'],
        [{ type: JOB_TYPE, set: { paused: 'yes' }, now: at(0) }, 'set.paused'],
        [{ type: JOB_TYPE, set: { paused: true, speed: 1 }, now: at(0) }, 'set.speed'],
        [{ type: JOB_TYPE, set: { limits: { f: () => 1 } }, now: at(0) }, 'set.limits'],
        [{ type: JOB_TYPE, set: { paused: true }, now: new Date(Number.NaN) }, 'now'],
      ]
      for (const [params, field] of bad) {
        const error = await controls
          .setTypeControl(params as Parameters<ControlStore['setTypeControl']>[0])
          .then(
            () => null,
            (thrown: unknown) => thrown,
          )
        expect(error, `setTypeControl(${field})`).toBeInstanceOf(Error)
        expect((error as Error).message, field).toContain(field)
        if (field !== 'set.limits') expect(ValidationError.isInstance(error), field).toBe(true)
      }
      expect(await controls.listTypeControls({})).toEqual([])
    })

    it('pushes each write to onControlChange', async (test) => {
      const { backend } = context
      const controls = controlsOf(backend, test)
      const subscribe = backend.subscribe?.bind(backend)
      if (!backend.capabilities.push || subscribe === undefined) test.skip('the backend has no push')
      const changes: ControlChange[] = []
      const statuses: PushStatus[] = []
      const subscription = await (subscribe as NonNullable<typeof subscribe>)({
        types: [],
        onWake: () => {},
        onStatus: (status) => statuses.push(status),
        onControlChange: (change) => changes.push(change),
      })
      try {
        await waitFor(() => statuses.length > 0, 'a first status from subscribe()')
        const fallback = statuses.find((status) => status.state === 'fallback')
        if (fallback?.state === 'fallback') test.skip(`push fell back to polling: ${fallback.reason}`)
        await controls.setTypeControl({ type: JOB_TYPE, set: { paused: true }, now: at(0) })
        await controls.setTypeControl({ type: JOB_TYPE, set: { paused: false }, now: at(1) })
        await waitFor(() => changes.length >= 2, 'two control changes')
        expect(changes.map((change) => change.type)).toEqual([JOB_TYPE, JOB_TYPE])
        // What an event carries is optional, but what it carries is right.
        const last = changes[1] as ControlChange
        if (last.paused !== undefined) expect(last.paused).toBe(false)
        if (last.rev !== undefined) expect(last.rev).toBe(2)
      } finally {
        await subscription.close()
      }
    })
  })
}

export function controlsOf(backend: Backend, test: TestContext): ControlStore {
  if (backend.capabilities.controls !== true || backend.controls === undefined) {
    test.skip('the backend does not declare capabilities.controls')
  }
  return backend.controls as ControlStore
}
