import { type Document, valueKey } from '../bson-values.js'
import type { ChangeInput, ChangeKind } from '../change-streams/change-log.js'
import type { ServerState } from '../server-state.js'
import type { Collection, StoredRecord } from '../storage/collection.js'
import type { SessionState } from '../transactions/session-registry.js'
import type { Transaction } from '../transactions/transaction.js'

/** What one command sees: its arguments, its session and transaction, and storage through them. */
export class CommandContext {
  constructor(
    readonly server: ServerState,
    readonly command: Document,
    readonly database: string,
    readonly session: SessionState | undefined,
    readonly transaction: Transaction | undefined,
  ) {}

  /** The collection as this command should read it: a transaction's own copy if it wrote it. */
  readCollection(name: string): Collection | undefined {
    if (this.transaction !== undefined) return this.transaction.readCollection(this.database, name)
    return this.server.catalog.collection(this.database, name)
  }

  /** The collection to write into, created on first write as mongod does. */
  writeCollection(name: string): Collection {
    if (this.transaction !== undefined) return this.transaction.writeCollection(this.database, name)
    const existing = this.server.catalog.collection(this.database, name)
    if (existing !== undefined) return existing
    const collection = this.server.catalog.ensureCollection(this.database, name)
    this.server.sessions.transactions.plainCollectionCreated(collection)
    return collection
  }

  private record(
    kind: ChangeKind | 'pipelineUpdate',
    collection: Collection,
    documentId: unknown,
    before?: Document,
    after?: Document,
  ): void {
    const change: ChangeInput = {
      kind: kind === 'pipelineUpdate' ? 'update' : kind,
      database: collection.database,
      collection: collection.name,
      documentId,
      before,
      after,
    }
    if (kind === 'pipelineUpdate') change.pipelineUpdate = true
    if (this.transaction !== undefined) this.transaction.recordChange(change)
    else this.server.sessions.transactions.plainChange(change, this.server.changeLog)
  }

  /**
   * Before every write: a transaction claims the document and unique keys it touches (or fails
   * with WriteConflict); a plain write stops to wait if an open transaction holds them.
   */
  private beforeWrite(
    collection: Collection,
    idKey: string,
    before: Document | undefined,
    after: Document | undefined,
  ): void {
    if (this.transaction !== undefined) this.transaction.touch(collection, idKey, before, after)
    else this.server.sessions.transactions.guardPlainWrite(collection, idKey, before, after)
  }

  /** After a plain write: how to undo it if its command has to wait and run again. */
  private afterWrite(undo: () => void): void {
    if (this.transaction === undefined) this.server.sessions.transactions.plainWriteDone(undo)
  }

  insertDocument(collection: Collection, document: Document): StoredRecord {
    this.beforeWrite(collection, valueKey(document._id), undefined, document)
    const record = collection.insert(document)
    this.afterWrite(() => collection.remove(record))
    this.record('insert', collection, document._id, undefined, document)
    return record
  }

  /**
   * Replaces a document; `kind` says whether change streams see an update or a replace (a
   * pipeline update is either, as mongod logs it as a delta or a replacement).
   */
  replaceDocument(
    collection: Collection,
    record: StoredRecord,
    document: Document,
    kind: 'update' | 'replace' | 'pipelineUpdate',
  ): StoredRecord {
    this.beforeWrite(collection, record.idKey, record.document, document)
    const replaced = collection.replace(record, document)
    this.afterWrite(() => collection.restore(record))
    this.record(kind, collection, document._id, record.document, document)
    return replaced
  }

  deleteDocument(collection: Collection, record: StoredRecord): void {
    this.beforeWrite(collection, record.idKey, record.document, undefined)
    collection.remove(record)
    this.afterWrite(() => collection.restore(record))
    this.record('delete', collection, record.document._id)
  }
}

export type CommandHandler = (context: CommandContext) => Document | Promise<Document>
