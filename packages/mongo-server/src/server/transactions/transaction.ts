import type { Document } from '../bson-values.js'
import type { ChangeInput } from '../change-streams/change-log.js'
import { errorCodes, MongoCommandError } from '../errors.js'
import type { Catalog } from '../storage/catalog.js'
import type { Collection, StoredRecord } from '../storage/collection.js'

const transientLabels = ['TransientTransactionError']

export function writeConflict(): MongoCommandError {
  return new MongoCommandError(
    errorCodes.writeConflict,
    'Write conflict during plan execution and yielding is disabled. :: Please retry your operation or multi-document transaction.',
    { errorLabels: transientLabels },
  )
}

/**
 * A multi-document transaction. Its writes go to private copies of the collections it writes
 * (copy-on-write at collection level: the documents themselves are shared and immutable), so
 * nothing is visible outside until commit. Reads of collections it has not written go through
 * to committed data.
 */
export class Transaction {
  state: 'active' | 'committed' | 'aborted' = 'active'
  private readonly copies = new Map<string, Collection>()
  /** Version of each written document when the transaction first touched it, by namespace and id. */
  private readonly snapshotVersions = new Map<string, Map<string, number | undefined>>()
  private readonly changes: ChangeInput[] = []

  constructor(
    readonly sessionKey: string,
    readonly lsid: Document,
    readonly txnNumber: string,
    private readonly catalog: Catalog,
    /** Documents written by open transactions, to detect concurrent writers: `ns\0id` → session. */
    private readonly locks: Map<string, string>,
  ) {}

  readCollection(database: string, name: string): Collection | undefined {
    return this.copies.get(`${database}.${name}`) ?? this.catalog.collection(database, name)
  }

  writeCollection(database: string, name: string): Collection {
    const namespace = `${database}.${name}`
    let copy = this.copies.get(namespace)
    if (copy === undefined) {
      copy = this.catalog.ensureCollection(database, name).clone()
      this.copies.set(namespace, copy)
    }
    return copy
  }

  /**
   * Called before the transaction writes a document: fails with WriteConflict if another open
   * transaction wrote it, or a write committed since this transaction first saw it.
   */
  touch(collection: Collection, idKey: string): void {
    const lockKey = `${collection.namespace}\u0000${idKey}`
    const holder = this.locks.get(lockKey)
    if (holder !== undefined && holder !== this.sessionKey) throw writeConflict()
    let versions = this.snapshotVersions.get(collection.namespace)
    if (versions === undefined) {
      versions = new Map()
      this.snapshotVersions.set(collection.namespace, versions)
    }
    if (!versions.has(idKey)) {
      const seen = collection.get(idKey)?.version
      const committed = this.catalog.collection(collection.database, collection.name)?.get(idKey)?.version
      if (seen !== committed) throw writeConflict()
      versions.set(idKey, seen)
    }
    this.locks.set(lockKey, this.sessionKey)
  }

  recordChange(change: ChangeInput): void {
    this.changes.push({ ...change, transaction: { lsid: this.lsid, txnNumber: this.txnNumber } })
  }

  /** Applies every write to committed data at once; on any failure nothing is applied. */
  commit(): ChangeInput[] {
    const undo: (() => void)[] = []
    try {
      for (const [namespace, versions] of this.snapshotVersions) {
        const copy = this.copies.get(namespace)!
        const base = this.catalog.ensureCollection(copy.database, copy.name)
        for (const [idKey, version] of versions) {
          if (base.get(idKey)?.version !== version) throw writeConflict()
        }
        // Deletions first, so a transaction that deletes and re-inserts a unique key commits.
        const ordered = [...versions.keys()].sort(
          (left, right) => Number(copy.has(left)) - Number(copy.has(right)),
        )
        for (const idKey of ordered) this.applyOne(base, copy.get(idKey), base.get(idKey), undo)
      }
    } catch (error) {
      for (const step of undo.reverse()) step()
      this.abort()
      throw error
    }
    this.state = 'committed'
    this.releaseLocks()
    return this.changes
  }

  private applyOne(
    base: Collection,
    next: StoredRecord | undefined,
    current: StoredRecord | undefined,
    undo: (() => void)[],
  ): void {
    if (next === undefined) {
      if (current === undefined) return
      base.remove(current)
      undo.push(() => base.restore(current))
    } else if (current === undefined) {
      const inserted = base.insert(next.document)
      undo.push(() => base.remove(inserted))
    } else {
      const replaced = base.replace(current, next.document)
      undo.push(() => base.restore(current))
      void replaced
    }
  }

  abort(): void {
    if (this.state === 'active') this.state = 'aborted'
    this.copies.clear()
    this.releaseLocks()
  }

  private releaseLocks(): void {
    for (const [key, holder] of [...this.locks]) if (holder === this.sessionKey) this.locks.delete(key)
  }
}
