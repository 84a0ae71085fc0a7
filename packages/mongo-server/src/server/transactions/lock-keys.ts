import type { Document } from '../bson-values.js'
import type { Collection } from '../storage/collection.js'
import type { CollectionIndex } from '../storage/collection-index.js'

/**
 * What a write touches, in mongod's terms: the document (its `_id` key) and every unique index
 * key it adds or removes. Two writers touching one of these conflict (WiredTiger's "first
 * updater wins"); unchanged keys and non-unique indexes are not touched.
 */
export interface UniqueKeyTouch {
  readonly lockKey: string
  readonly index: CollectionIndex
  readonly key: string
}

export function documentLockKey(namespace: string, idKey: string): string {
  return `doc\u0000${namespace}\u0000${idKey}`
}

/** The unique index keys a write from `before` to `after` adds or removes (either may be absent). */
export function uniqueKeyTouches(
  collection: Collection,
  before: Document | undefined,
  after: Document | undefined,
): UniqueKeyTouch[] {
  const touches: UniqueKeyTouch[] = []
  for (const index of collection.indexes) {
    if (!index.unique) continue
    const removed = new Set(index.uniqueKeysOf(before))
    const added = new Set(index.uniqueKeysOf(after))
    for (const key of [...removed]
      .filter((key) => !added.has(key))
      .concat([...added].filter((key) => !removed.has(key)))) {
      touches.push({ lockKey: `key\u0000${collection.namespace}\u0000${index.name}\u0000${key}`, index, key })
    }
  }
  return touches
}

export function sameMembers(
  left: ReadonlySet<string> | undefined,
  right: ReadonlySet<string> | undefined,
): boolean {
  const leftSize = left?.size ?? 0
  if (leftSize !== (right?.size ?? 0)) return false
  if (leftSize === 0) return true
  for (const member of left!) if (!right!.has(member)) return false
  return true
}
