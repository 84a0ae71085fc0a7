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
    return this.server.catalog.ensureCollection(this.database, name)
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
    else this.server.changeLog.append([change])
  }

  insertDocument(collection: Collection, document: Document): StoredRecord {
    if (this.transaction !== undefined) this.transaction.touch(collection, valueKey(document._id))
    const record = collection.insert(document)
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
    this.transaction?.touch(collection, record.idKey)
    const replaced = collection.replace(record, document)
    this.record(kind, collection, document._id, record.document, document)
    return replaced
  }

  deleteDocument(collection: Collection, record: StoredRecord): void {
    this.transaction?.touch(collection, record.idKey)
    collection.remove(record)
    this.record('delete', collection, record.document._id)
  }
}

export type CommandHandler = (context: CommandContext) => Document | Promise<Document>
