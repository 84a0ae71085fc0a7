import type { TypeLimits } from '@durabl/core'
import type { Document } from 'mongodb'
import { commandComment } from '../command-comment.js'
import type { LimitSlots } from '../job-document.js'
import type { OperationContext } from '../operation-context.js'

/** The name of slot `n` of a type's concurrency limit (the value of `limitSlots.type`). */
export function typeSlotName(type: string, n: number): string {
  return JSON.stringify([type, n])
}

/** The name of slot `n` of one key's concurrency limit (the value of `limitSlots.key`). */
export function keySlotName(type: string, key: string, n: number): string {
  return JSON.stringify([type, key, n])
}

/** The slot number a slot name ends with, or null for a name this version did not write. */
function slotNumber(name: unknown): number | null {
  if (typeof name !== 'string') return null
  try {
    const parts: unknown = JSON.parse(name)
    const n = Array.isArray(parts) ? parts.at(-1) : null
    return typeof n === 'number' && Number.isInteger(n) ? n : null
  } catch {
    return null
  }
}

/** One concurrency limit's state as the claim sees it: jobs active under it and the slots they hold. */
class SlotPool {
  active = 0
  readonly taken = new Set<number>()

  constructor(readonly limit: number) {}

  get free(): number {
    return Math.max(0, this.limit - this.active)
  }

  /**
   * The lowest slot number not held, or null when the limit is reached. The lowest, not a random
   * one: claims racing for the last slots pick the same names, so the unique index lets one win.
   */
  take(): number | null {
    if (this.free === 0) return null
    for (let n = 0; n < this.limit; n += 1) {
      if (this.taken.has(n)) continue
      this.taken.add(n)
      this.active += 1
      return n
    }
    return null
  }

  /** A slot this claim took but did not write (its job went to another claim). */
  giveBack(n: number): void {
    if (this.taken.delete(n)) this.active -= 1
  }
}

/**
 * What one claim knows of the concurrency limits of its types: read once per claim (`readSlotBook`)
 * from the active jobs of those types, then kept up to date with the slots this claim takes. The
 * unique indexes on `limitSlots.type` and `limitSlots.key` are what guarantee the limits; the book
 * only lets the claim pick free slots and skip what is full without trying.
 */
export class SlotBook {
  readonly #types = new Map<string, SlotPool>()
  readonly #keys = new Map<string, { limit: number; pools: Map<string, SlotPool> }>()

  constructor(limits: ReadonlyMap<string, TypeLimits>) {
    for (const [type, typeLimits] of limits) {
      if (typeLimits.concurrency !== undefined) this.#types.set(type, new SlotPool(typeLimits.concurrency))
      const perKey = typeLimits.perKey?.concurrency
      if (perKey !== undefined) this.#keys.set(type, { limit: perKey, pools: new Map() })
    }
  }

  /** The types whose active jobs the book must read. */
  get types(): string[] {
    return [...new Set([...this.#types.keys(), ...this.#keys.keys()])]
  }

  /** Counts one active job: against its type and key, whether or not it holds slots (it runs). */
  record(job: { type: string; limitKey?: string | null; limitSlots?: LimitSlots }): void {
    const typePool = this.#types.get(job.type)
    if (typePool) {
      typePool.active += 1
      const n = slotNumber(job.limitSlots?.type)
      if (n !== null) typePool.taken.add(n)
    }
    if (typeof job.limitKey === 'string') {
      const keyPool = this.#keyPool(job.type, job.limitKey)
      if (keyPool) {
        keyPool.active += 1
        const n = slotNumber(job.limitSlots?.key)
        if (n !== null) keyPool.taken.add(n)
      }
    }
  }

  /** How many more jobs of the type may start; Infinity without a type concurrency limit. */
  freeOfType(type: string): number {
    return this.#types.get(type)?.free ?? Number.POSITIVE_INFINITY
  }

  /** The keys of a type whose concurrency limit is reached: the claim reads past their jobs. */
  fullKeys(type: string): string[] {
    const keys = this.#keys.get(type)
    if (!keys) return []
    return [...keys.pools].filter(([, pool]) => pool.free === 0).map(([key]) => key)
  }

  /**
   * Takes the slots a job needs, or returns null (taking nothing) when its type or key is full.
   * A job of a type without concurrency limits needs none: `{}`.
   */
  take(job: { type: string; limitKey?: string | null }): LimitSlots | null {
    const typePool = this.#types.get(job.type)
    const keyPool = typeof job.limitKey === 'string' ? this.#keyPool(job.type, job.limitKey) : undefined
    if ((typePool && typePool.free === 0) || (keyPool && keyPool.free === 0)) return null
    const slots: LimitSlots = {}
    if (typePool) slots.type = typeSlotName(job.type, typePool.take() as number)
    if (keyPool) slots.key = keySlotName(job.type, job.limitKey as string, keyPool.take() as number)
    return slots
  }

  /** Gives back slots taken for a job that went to another claim: they are still free. */
  giveBack(job: { type: string; limitKey?: string | null }, slots: LimitSlots): void {
    const typeSlot = slotNumber(slots.type)
    if (typeSlot !== null) this.#types.get(job.type)?.giveBack(typeSlot)
    const keySlot = slotNumber(slots.key)
    if (keySlot !== null && typeof job.limitKey === 'string')
      this.#keyPool(job.type, job.limitKey)?.giveBack(keySlot)
  }

  #keyPool(type: string, key: string): SlotPool | undefined {
    const keys = this.#keys.get(type)
    if (!keys) return undefined
    let pool = keys.pools.get(key)
    if (!pool) {
      pool = new SlotPool(keys.limit)
      keys.pools.set(key, pool)
    }
    return pool
  }
}

/**
 * The filter of the slot read: the active jobs of the types with concurrency limits, which
 * `durabl_state_type` ({ state, type, _id }) serves. Every active job counts, also one claimed
 * before the limit was set (it holds no slot but runs).
 */
export function slotReadQuery(types: readonly string[]): { filter: Document; projection: Document } {
  return {
    filter: { state: 'active', type: types.length === 1 ? types[0] : { $in: [...types] } },
    projection: { _id: 0, type: 1, limitKey: 1, limitSlots: 1 },
  }
}

/** The slot read's batch: its documents are a few dozen bytes, so any fleet fits in one. */
const SLOT_READ_BATCH_SIZE = 100_000

/**
 * Reads the concurrency state of the limited types: ONE find per claim, projected to the slot
 * fields. Its size is the number of active jobs of those types (at most their concurrency when the
 * type has a limit, at most the fleet's running jobs of the type when only keys are limited).
 */
export async function readSlotBook(
  context: OperationContext,
  limits: ReadonlyMap<string, TypeLimits>,
): Promise<SlotBook> {
  const book = new SlotBook(limits)
  const types = book.types
  if (types.length === 0) return book
  const { filter, projection } = slotReadQuery(types)
  const active = await context.collection
    // One batch: a first batch of the server's default 101 would cost a getMore past 101 jobs.
    .find(filter, { projection, batchSize: SLOT_READ_BATCH_SIZE, comment: commandComment('claimSlots') })
    .toArray()
  for (const job of active) book.record(job)
  return book
}
