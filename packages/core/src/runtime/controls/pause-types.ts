import { ALL_TYPES, type Backend, type ControlStore, type TypeControl } from '../../backend.js'
import { NotSupportedError } from '../../errors/not-supported-error.js'
import { validateJobType } from '../../validation/validate-job-type.js'
import type { ControlsCache } from './controls-cache.js'

/** What `queue.pause()` and `queue.resume()` resolve to. */
export interface TypeControlResult {
  /** The control as stored by this call (`type` is `'*'` for every type). */
  control: TypeControl
  /**
   * Why the call may not do what the caller expects, in words, or null. `pause(type)`: no running
   * queue processes the type (checked in the worker registry, when the backend has one); the pause
   * is stored all the same and holds once one does. `resume(type)`: every type is still paused
   * (`'*'`). `resume()`: types paused by name stay paused. Never a failure: the write was made.
   */
  warning: string | null
}

export interface SetTypePausedParams {
  backend: Backend
  /** The queue's view, updated with the write at once (null when the backend has no controls). */
  cache: ControlsCache | null
  /** A job type; undefined means every type (`'*'`). */
  type: string | undefined
  paused: boolean
  now: Date
  /** Whether this queue has a processor for the type. */
  processes(type: string): boolean
}

/** The backend's control store; a NotSupportedError when it has none. */
export function requireControlStore(backend: Backend): ControlStore {
  if (backend.capabilities.controls !== true || backend.controls === undefined) {
    throw new NotSupportedError(
      `the ${backend.name} backend does not store type controls (capabilities.controls), so types cannot be paused`,
    )
  }
  return backend.controls
}

/**
 * Pauses or resumes a type (or every type) fleet-wide: one write, taken into this queue's view at
 * once (so this queue emits `queue:paused` / `queue:resumed` now), then at most one read for the
 * warning. Other queues learn of it through push or their next poll.
 */
export async function setTypePaused(params: SetTypePausedParams): Promise<TypeControlResult> {
  const store = requireControlStore(params.backend)
  const type = params.type === undefined ? ALL_TYPES : validateJobType(params.type)
  const control = await store.setTypeControl({ type, set: { paused: params.paused }, now: params.now })
  params.cache?.apply(control)
  let warning: string | null = null
  try {
    warning = params.paused
      ? await pauseWarning(params, type)
      : resumeWarning(type, await store.listTypeControls({}))
  } catch {
    // The warning is advice: a failed read for it never fails the call that already wrote.
  }
  return { control, warning }
}

async function pauseWarning(params: SetTypePausedParams, type: string): Promise<string | null> {
  const { backend } = params
  if (type === ALL_TYPES || params.processes(type)) return null
  if (backend.capabilities.workers !== true || backend.workers === undefined) return null
  const workers = await backend.workers.listWorkers({ now: params.now })
  if (workers.some((worker) => worker.types.some((entry) => entry.type === type))) return null
  return `no running queue processes ${JSON.stringify(type)} (see listWorkers()); the pause is stored and holds once one does`
}

function resumeWarning(type: string, controls: TypeControl[]): string | null {
  if (type === ALL_TYPES) {
    const stillPaused = controls.filter((control) => control.type !== ALL_TYPES && control.paused)
    if (stillPaused.length === 0) return null
    const names = stillPaused.map((control) => JSON.stringify(control.type)).join(', ')
    return `paused by name, ${names} ${stillPaused.length === 1 ? 'stays' : 'stay'} paused: resume ${stillPaused.length === 1 ? 'it' : 'each'} by name`
  }
  const all = controls.find((control) => control.type === ALL_TYPES)
  if (all?.paused !== true) return null
  return `every type is paused ('*'): ${JSON.stringify(type)} stays paused until resume() without a type`
}
