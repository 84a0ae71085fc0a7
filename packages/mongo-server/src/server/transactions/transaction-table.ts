import type { Document } from '../bson-values.js'
import type { ChangeInput, ChangeLog } from '../change-streams/change-log.js'
import { MongoCommandError } from '../errors.js'
import type { Catalog } from '../storage/catalog.js'
import type { Collection } from '../storage/collection.js'
import { documentLockKey, uniqueKeyTouches } from './lock-keys.js'
import type { Transaction } from './transaction.js'
import { writeConflict } from './write-conflict.js'

/** MaxTimeMSExpired. */
const maxTimeMsExpiredCode = 50

/** mongod's default `transactionLifetimeLimitSeconds`. */
export const defaultTransactionLifetimeLimitSeconds = 60

/**
 * The writes of one command outside any transaction, kept until the command's synchronous run
 * ends: when a write meets a document or unique key an open transaction holds, the command's
 * writes so far are undone (nobody can have seen them: commands never yield), and the command
 * waits for that transaction and runs again from scratch.
 */
class PlainWriteScope {
  blockedBy: Transaction | undefined
  readonly undo: (() => void)[] = []
  readonly changes: ChangeInput[] = []

  rollback(): void {
    for (const step of this.undo.reverse()) step()
  }
}

/** Open transactions, the documents and keys they hold, and the commands waiting on them. */
export class TransactionTable {
  /** Holder of each document and unique key written by an open transaction (see lock-keys.ts). */
  readonly locks = new Map<string, Transaction>()
  readonly active = new Set<Transaction>()
  lifetimeLimitSeconds = defaultTransactionLifetimeLimitSeconds
  private scope: PlainWriteScope | undefined

  constructor(readonly catalog: Catalog) {}

  /**
   * Called before anything changes a committed collection: every open transaction that has not
   * kept its own view of it yet keeps the current state, which is its snapshot (nothing changed
   * the collection since the transaction began, or it would hold a view already).
   */
  preserveSnapshots(collection: Collection, except?: Transaction): void {
    let frozen: Collection | undefined
    for (const transaction of this.active) {
      if (transaction === except || !transaction.needsSnapshotOf(collection.namespace)) continue
      frozen ??= collection.clone()
      transaction.keepSnapshot(collection.namespace, frozen)
    }
  }

  /** Like preserveSnapshots, for a collection about to be created: open transactions keep not seeing it. */
  preserveAbsence(namespace: string, except?: Transaction): void {
    for (const transaction of this.active) {
      if (transaction !== except && transaction.needsSnapshotOf(namespace))
        transaction.keepSnapshot(namespace, null)
    }
  }

  /** The open transaction holding the document or one of the unique keys a write would touch. */
  holderFor(
    collection: Collection,
    idKey: string,
    before: Document | undefined,
    after: Document | undefined,
  ): Transaction | undefined {
    if (this.locks.size === 0) return undefined
    const holder = this.locks.get(documentLockKey(collection.namespace, idKey))
    if (holder !== undefined) return holder
    for (const touch of uniqueKeyTouches(collection, before, after)) {
      const keyHolder = this.locks.get(touch.lockKey)
      if (keyHolder !== undefined) return keyHolder
    }
    return undefined
  }

  /**
   * Before a write outside any transaction: if an open transaction holds what it touches, the
   * command must wait (a WriteConflict is thrown to stop it; runPlainWrites waits and retries).
   */
  guardPlainWrite(
    collection: Collection,
    idKey: string,
    before: Document | undefined,
    after: Document | undefined,
  ): void {
    const scope = this.scope
    if (scope?.blockedBy !== undefined) throw writeConflict()
    const holder = this.holderFor(collection, idKey, before, after)
    if (holder !== undefined) {
      if (scope !== undefined) scope.blockedBy = holder
      throw writeConflict()
    }
    this.preserveSnapshots(collection)
  }

  /** Registers how to undo a plain write, in case its command has to wait and run again. */
  plainWriteDone(undo: () => void): void {
    this.scope?.undo.push(undo)
  }

  /** A collection created by a plain write: undone with the write if the command has to wait. */
  plainCollectionCreated(collection: Collection): void {
    this.preserveAbsence(collection.namespace)
    this.scope?.undo.push(() => {
      if (collection.records.size === 0 && collection.indexes.length === 0)
        this.catalog.dropCollection(collection.database, collection.name)
    })
  }

  /** Change events of plain writes are published when their command's run stands. */
  plainChange(change: ChangeInput, changeLog: ChangeLog): void {
    if (this.scope === undefined) changeLog.append([change])
    else this.scope.changes.push(change)
  }

  /**
   * Runs a command's handler. Its synchronous part (all of its reads and writes) runs at once;
   * if it met a write held by an open transaction, its writes are undone and it runs again
   * once that transaction has ended, until `maxTimeMS` (MaxTimeMSExpired, 50) if given.
   */
  async runPlainWrites<T>(
    execute: () => T | Promise<T>,
    changeLog: ChangeLog,
    maxTimeMs: number | undefined,
  ): Promise<T> {
    const deadline = maxTimeMs === undefined || maxTimeMs <= 0 ? undefined : Date.now() + maxTimeMs
    for (;;) {
      const scope = new PlainWriteScope()
      const outer = this.scope
      this.scope = scope
      let result: T | Promise<T> | undefined
      let failure: { error: unknown } | undefined
      try {
        result = execute()
      } catch (error) {
        failure = { error }
      } finally {
        this.scope = outer
      }
      const blockedBy = scope.blockedBy
      if (blockedBy === undefined) {
        for (const change of scope.changes) changeLog.append([change])
        if (failure !== undefined) throw failure.error
        return await (result as T | Promise<T>)
      }
      scope.rollback()
      await waitForEnd(blockedBy, deadline)
    }
  }

  /** Aborts every open transaction (server stop). */
  abortAll(): void {
    for (const transaction of [...this.active]) transaction.abort()
  }
}

async function waitForEnd(transaction: Transaction, deadline: number | undefined): Promise<void> {
  if (deadline === undefined) return transaction.ended
  const remainingMs = deadline - Date.now()
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), Math.max(0, remainingMs))
  })
  const outcome = await Promise.race([transaction.ended.then(() => 'ended' as const), expired])
  clearTimeout(timer)
  if (outcome === 'expired')
    throw new MongoCommandError(maxTimeMsExpiredCode, 'operation exceeded time limit')
}
