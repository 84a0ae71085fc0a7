import type { Document } from 'mongodb'

/** A dedupe key and scope as an ending write names them (see `parseDedupeRef`). */
export interface NamedDedupe {
  key: string | null
  scope: 'pending' | 'pending+active' | null
}

/**
 * The filter part that guards an ending write on the dedupe key and scope the runtime names, as
 * it guards on the lease token: a write naming another key changes nothing and reports `lost`.
 */
export function dedupeGuard(dedupe: NamedDedupe): Document {
  // `toJob` reports a keyed job without a stored scope as 'pending+active', and no scope without a
  // key, so the scope is matched the same way: 'pending' exactly, anything else as "not pending".
  if (dedupe.key === null) return { dedupeKey: null }
  return { dedupeKey: dedupe.key, dedupeScope: dedupe.scope === 'pending' ? 'pending' : { $ne: 'pending' } }
}

/**
 * The slots a job going back to pending (a retry, a release) writes. A `'pending'`-scope job
 * gives up its running slot and takes its queued slot back; when a job was queued behind it
 * meanwhile, the unique index refuses and the fallback leaves it slotless (see
 * reclaim-queued-slots.ts). A `'pending+active'` job keeps both slots; a job without a key has none.
 */
export function returnToPendingSlots(dedupe: NamedDedupe): {
  preferred: Document
  fallback: Document | null
} {
  if (dedupe.scope !== 'pending' || dedupe.key === null) return { preferred: {}, fallback: null }
  return {
    preferred: { 'dedupe.activeKey': null, 'dedupe.pendingKey': dedupe.key },
    fallback: { 'dedupe.activeKey': null },
  }
}
