import {
  type ControlStore,
  type SetTypeControlParams,
  type TypeControl,
  validateSetTypeControl,
} from '@durabl/core'
import { copyValue } from './job-record.js'
import type { PushHub } from './push-hub.js'

/**
 * A MemoryBackend's type controls (pause and resume per job type), one entry per type. Every write
 * is pushed to the subscribers' `onControlChange` in a microtask, as a change stream would.
 */
export class MemoryControlStore implements ControlStore {
  private readonly controls = new Map<string, TypeControl>()

  constructor(private readonly push: PushHub) {}

  async setTypeControl(params: SetTypeControlParams): Promise<TypeControl> {
    const { type, set, now } = validateSetTypeControl(params)
    const existing = this.controls.get(type)
    const control: TypeControl = {
      type,
      paused: set.paused ?? existing?.paused ?? false,
      limits: set.limits === undefined ? (existing?.limits ?? null) : copyValue(set.limits, 'limits'),
      rev: (existing?.rev ?? 0) + 1,
      updatedAt: new Date(now),
    }
    this.controls.set(type, control)
    this.push.controlChanged({ type, paused: control.paused, rev: control.rev })
    return structuredClone(control)
  }

  async listTypeControls(_params: Record<string, never>): Promise<TypeControl[]> {
    return [...this.controls.values()]
      .map((control) => structuredClone(control))
      .sort((first, second) => (first.type < second.type ? -1 : first.type > second.type ? 1 : 0))
  }
}
