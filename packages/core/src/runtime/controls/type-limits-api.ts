import type { Backend, ControlStore, TypeControl } from '../../backend.js'
import type { Clock } from '../../clock.js'
import { NotSupportedError } from '../../errors/not-supported-error.js'
import type { TypeLimits } from '../../type-limits.js'
import { resolveTypeLimits } from '../../validation/resolve-type-limits.js'
import { validateJobType } from '../../validation/validate-job-type.js'
import type { ControlsCache } from './controls-cache.js'

/** A type's stored limits, as `queue.limits` returns them. */
export interface StoredTypeLimits {
  type: string
  limits: TypeLimits
  updatedAt: Date
}

export interface TypeLimitsApiParams {
  backend: Backend
  clock: Clock
  /** The queue's view of the controls, updated at once by this queue's own writes. */
  cache(): ControlsCache | null
}

/**
 * `queue.limits`: fleet-wide limits per job type, stored with the type's control document (the
 * same one that holds its pause), so every worker of the fleet applies the same limits whatever
 * code it runs. Workers learn of a change through the change stream, or at their next poll.
 */
export class TypeLimitsApi {
  readonly #params: TypeLimitsApiParams

  constructor(params: TypeLimitsApiParams) {
    this.#params = params
  }

  /**
   * Stores the limits of a type, replacing any it had: `{ concurrency, rateLimit: { max, perMs },
   * perKey: { concurrency, rateLimit } }` (see docs/limits.md). Validated before anything is
   * written; a ValidationError names the field and the value.
   */
  async set(type: string, limits: TypeLimits): Promise<StoredTypeLimits> {
    const validType = validateJobType(type)
    const resolved = resolveTypeLimits(limits, 'limits')
    const control = await this.#write(validType, resolved)
    return toStored(control) as StoredTypeLimits
  }

  /** The stored limits of a type, or null when it has none. One read. */
  async get(type: string): Promise<StoredTypeLimits | null> {
    const validType = validateJobType(type)
    const controls = await this.#store().listTypeControls({})
    const control = controls.find((entry) => entry.type === validType)
    return control === undefined ? null : toStored(control)
  }

  /** Every type with stored limits, sorted by type. One read. */
  async list(): Promise<StoredTypeLimits[]> {
    const controls = await this.#store().listTypeControls({})
    return controls.map(toStored).filter((entry): entry is StoredTypeLimits => entry !== null)
  }

  /** Removes a type's limits (its pause state stays). True when it had some. */
  async remove(type: string): Promise<boolean> {
    const validType = validateJobType(type)
    const had = (await this.get(validType)) !== null
    if (had) await this.#write(validType, null)
    return had
  }

  async #write(type: string, limits: TypeLimits | null): Promise<TypeControl> {
    const control = await this.#store().setTypeControl({
      type,
      set: { limits },
      now: this.#params.clock.now(),
    })
    // This queue applies its own change at once; the rest of the fleet hears of it.
    this.#params.cache()?.apply(control)
    return control
  }

  #store(): ControlStore {
    const { backend } = this.#params
    if (backend.capabilities.controls !== true || backend.controls === undefined) {
      throw new NotSupportedError(`the ${backend.name} backend does not store type controls (limits)`)
    }
    return backend.controls
  }
}

function toStored(control: TypeControl): StoredTypeLimits | null {
  if (control.limits === null || control.limits === undefined) return null
  return { type: control.type, limits: control.limits as TypeLimits, updatedAt: control.updatedAt }
}
