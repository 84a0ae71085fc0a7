import type { Backend, Job, TypeLimits } from '@durabl/core'
import { expect } from 'vitest'
import { at, JOB_TYPE, LEASE_MS, WORKER_A } from './fixtures.js'

export interface LimitedClaimOptions {
  now?: Date
  /** The claim's overall limit and the type's own. @defaultValue 100 */
  limit?: number
  workerId?: string
  leaseMs?: number
  type?: string
}

/** A claim of one type with fleet-wide `limits` (null: none). */
export function claimLimited(
  backend: Backend,
  limits: TypeLimits | null,
  options: LimitedClaimOptions = {},
): Promise<Job[]> {
  const limit = options.limit ?? 100
  return backend.claimJobs({
    types: [{ type: options.type ?? JOB_TYPE, limit, leaseMs: options.leaseMs ?? LEASE_MS, limits }],
    limit,
    workerId: options.workerId ?? WORKER_A,
    now: options.now ?? at(0),
  })
}

/** Counts per value of `keyOf`. */
export function countBy<T>(items: T[], keyOf: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>()
  for (const item of items) counts.set(keyOf(item), (counts.get(keyOf(item)) ?? 0) + 1)
  return counts
}

/**
 * Fails unless no window of `perMs` holds more than `max` of the instants: sorted, any two that
 * lie `max` apart must be at least `perMs` apart. That checks every sliding window, not only
 * windows aligned to a clock.
 */
export function expectAtMostPerWindow(instants: Date[], max: number, perMs: number, what: string): void {
  const sorted = instants.map((instant) => instant.getTime()).sort((left, right) => left - right)
  for (let index = 0; index + max < sorted.length; index += 1) {
    const first = sorted[index] as number
    const last = sorted[index + max] as number
    expect(
      last - first,
      `${what}: ${max + 1} starts within ${last - first} ms (from ${new Date(first).toISOString()}), limit ${max} per ${perMs} ms`,
    ).toBeGreaterThanOrEqual(perMs)
  }
}

/** The jobs currently active among `ids`. */
export async function activeAmong(backend: Backend, ids: Array<string | null>): Promise<Job[]> {
  const jobs = await Promise.all(ids.map((id) => backend.getJob({ id: id as string })))
  return jobs.filter((job): job is Job => job?.state === 'active')
}
