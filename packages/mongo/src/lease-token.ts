import { randomUUID } from 'node:crypto'

/** A fresh fencing token for one lease: random, never reused, so a stale worker can never match it. */
export function newLeaseToken(): string {
  return randomUUID()
}
