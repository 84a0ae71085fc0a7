import type { Document } from '../bson-values.js'
import type { ChangeInput } from '../change-streams/change-log.js'
import { errorCodes, MongoCommandError } from '../errors.js'
import { Collection, type StoredRecord } from '../storage/collection.js'
import { documentLockKey, sameMembers, uniqueKeyTouches } from './lock-keys.js'
import type { TransactionTable } from './transaction-table.js'
import { writeConflict } from './write-conflict.js'

export { writeConflict } from './write-conflict.js'

/**
 * A multi-document transaction with snapshot isolation, as in mongod.
 *
 * Snapshot: the transaction begins with its first operation. From then on, before anything
 * changes a committed collection, the transaction table hands every open transaction that has not
 * kept a view of that collection a frozen copy of it (`keepSnapshot`); a transaction without a
 * view reads the committed collection, which is unchanged since its snapshot. Writes go to a
 * private copy (copy-on-write at collection level: documents are shared and immutable).
 *
 * Conflicts ("first updater wins"): a write touches its document and the unique index keys it
 * adds or removes. Touching one held by another open transaction, or changed by a commit since
 * the snapshot, fails at once with WriteConflict; otherwise the transaction holds it until it
 * ends, and plain writes to it wait (see TransactionTable.runPlainWrites).
 */
export class Transaction {
  state: 'active' | 'committed' | 'aborted' = 'active'
  /** Resolves when the transaction commits or aborts: waiting plain writes then run again. */
  readonly ended: Promise<void>
  private markEnded: () => void = () => {}
  /** Kept snapshots (null: the collection did not exist) and private copies, by namespace. */
  private readonly views = new Map<string, Collection | null>()
  private readonly privateCopies = new Set<string>()
  /** Namespaces that did not exist in the snapshot and that this transaction creates. */
  private readonly createdCollections = new Set<string>()
  /** Version of each written document in the snapshot, by namespace and id. */
  private readonly snapshotVersions = new Map<string, Map<string, number | undefined>>()
  private readonly checkedKeys = new Set<string>()
  private readonly heldLocks: string[] = []
  private readonly changes: ChangeInput[] = []
  private readonly expiryTimer: NodeJS.Timeout

  constructor(
    readonly sessionKey: string,
    readonly lsid: Document,
    readonly txnNumber: string,
    private readonly table: TransactionTable,
  ) {
    this.ended = new Promise((resolve) => {
      this.markEnded = resolve
    })
    table.active.add(this)
    // mongod aborts a transaction open longer than transactionLifetimeLimitSeconds.
    this.expiryTimer = setTimeout(() => this.abort(), table.lifetimeLimitSeconds * 1000)
    this.expiryTimer.unref()
  }

  private get catalog() {
    return this.table.catalog
  }

  needsSnapshotOf(namespace: string): boolean {
    return this.state === 'active' && !this.views.has(namespace)
  }

  keepSnapshot(namespace: string, frozen: Collection | null): void {
    if (this.needsSnapshotOf(namespace)) this.views.set(namespace, frozen)
  }

  /** The collection as of the snapshot, with this transaction's own writes. */
  readCollection(database: string, name: string): Collection | undefined {
    const namespace = `${database}.${name}`
    if (this.views.has(namespace)) return this.views.get(namespace) ?? undefined
    return this.catalog.collection(database, name)
  }

  /** True when the collection did not exist in the snapshot and this transaction created it. */
  created(database: string, name: string): boolean {
    return this.createdCollections.has(`${database}.${name}`)
  }

  /** `create` in the transaction: the collection appears to others when the transaction commits. */
  createCollection(database: string, name: string, options: Document): void {
    if (this.readCollection(database, name) !== undefined) {
      throw new MongoCommandError(
        errorCodes.namespaceExists,
        `Collection ${database}.${name} already exists.`,
      )
    }
    const namespace = `${database}.${name}`
    this.createdCollections.add(namespace)
    this.views.set(namespace, new Collection(database, name, options))
    this.privateCopies.add(namespace)
  }

  writeCollection(database: string, name: string): Collection {
    const namespace = `${database}.${name}`
    if (this.privateCopies.has(namespace)) return this.views.get(namespace)!
    const base = this.readCollection(database, name)
    if (base === undefined) this.createdCollections.add(namespace)
    const copy = base === undefined ? new Collection(database, name) : base.clone()
    this.views.set(namespace, copy)
    this.privateCopies.add(namespace)
    return copy
  }

  /**
   * Called before the transaction writes a document of its private copy `collection`, from
   * `before` to `after` (absent for an insert or a delete): claims what the write touches.
   */
  touch(
    collection: Collection,
    idKey: string,
    before: Document | undefined,
    after: Document | undefined,
  ): void {
    const committed = this.catalog.collection(collection.database, collection.name)
    this.claim(documentLockKey(collection.namespace, idKey))
    let versions = this.snapshotVersions.get(collection.namespace)
    if (versions === undefined) {
      versions = new Map()
      this.snapshotVersions.set(collection.namespace, versions)
    }
    if (!versions.has(idKey)) {
      const seen = collection.get(idKey)?.version
      if (seen !== committed?.get(idKey)?.version) throw writeConflict()
      versions.set(idKey, seen)
    }
    for (const touch of uniqueKeyTouches(collection, before, after)) {
      this.claim(touch.lockKey)
      if (this.checkedKeys.has(touch.lockKey)) continue
      const committedIndex = committed?.indexes.find((index) => index.name === touch.index.name)
      if (
        committedIndex !== undefined &&
        !sameMembers(touch.index.holdersOf(touch.key), committedIndex.holdersOf(touch.key))
      )
        throw writeConflict()
      this.checkedKeys.add(touch.lockKey)
    }
  }

  private claim(lockKey: string): void {
    const holder = this.table.locks.get(lockKey)
    if (holder === this) return
    if (holder !== undefined) throw writeConflict()
    this.table.locks.set(lockKey, this)
    this.heldLocks.push(lockKey)
  }

  recordChange(change: ChangeInput): void {
    this.changes.push({ ...change, transaction: { lsid: this.lsid, txnNumber: this.txnNumber } })
  }

  /** Applies every write to committed data at once; on any failure nothing is applied. */
  commit(): ChangeInput[] {
    for (const namespace of this.privateCopies) {
      const copy = this.views.get(namespace)!
      const committed = this.catalog.collection(copy.database, copy.name)
      if (committed === undefined) this.table.preserveAbsence(namespace, this)
      else this.table.preserveSnapshots(committed, this)
    }
    const undo: (() => void)[] = []
    try {
      for (const namespace of this.privateCopies) this.applyCollection(this.views.get(namespace)!, undo)
    } catch (error) {
      for (const step of undo.reverse()) step()
      this.abort()
      throw error
    }
    this.end('committed')
    return this.changes
  }

  private applyCollection(copy: Collection, undo: (() => void)[]): void {
    let base = this.catalog.collection(copy.database, copy.name)
    if (base === undefined) {
      base = this.catalog.createCollection(copy.database, copy.name, copy.options)
      undo.push(() => this.catalog.dropCollection(copy.database, copy.name))
    }
    for (const spec of copy.indexSpecs()) {
      if (base.indexSpecs().some((existing) => existing.name === spec.name)) continue
      base.addIndex(spec)
      undo.push(() => base.dropIndex(String(spec.name)))
    }
    const versions = this.snapshotVersions.get(copy.namespace)
    if (versions === undefined) return
    for (const [idKey, version] of versions) {
      if (base.get(idKey)?.version !== version) throw writeConflict()
    }
    // Deletions first, so a transaction that deletes and re-inserts a unique key commits.
    const ordered = [...versions.keys()].sort(
      (left, right) => Number(copy.has(left)) - Number(copy.has(right)),
    )
    for (const idKey of ordered) this.applyOne(base, copy.get(idKey), base.get(idKey), undo)
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
      base.replace(current, next.document)
      undo.push(() => base.restore(current))
    }
  }

  abort(): void {
    this.end('aborted')
  }

  private end(state: 'committed' | 'aborted'): void {
    if (this.state === 'active') this.state = state
    clearTimeout(this.expiryTimer)
    this.views.clear()
    this.privateCopies.clear()
    for (const lockKey of this.heldLocks.splice(0)) {
      if (this.table.locks.get(lockKey) === this) this.table.locks.delete(lockKey)
    }
    this.table.active.delete(this)
    this.markEnded()
  }
}
