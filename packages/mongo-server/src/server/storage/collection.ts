import { ObjectId } from 'bson'
import { type Document, valueKey } from '../bson-values.js'
import { errorCodes, MongoCommandError } from '../errors.js'
import { CollectionIndex, describeKey, equalityValues } from './collection-index.js'

/** A stored document and its bookkeeping. Records are replaced, never mutated. */
export interface StoredRecord {
  readonly idKey: string
  /** Insertion order: the natural order of the collection. */
  readonly recordId: number
  readonly document: Document
  /** Changes on every write; transactions compare it to detect write conflicts. */
  readonly version: number
}

let versionCounter = 0
export function nextVersion(): number {
  versionCounter += 1
  return versionCounter
}

const idIndexSpec: Document = { v: 2, key: { _id: 1 }, name: '_id_' }

export class Collection {
  records = new Map<string, StoredRecord>()
  indexes: CollectionIndex[] = []
  private nextRecordId = 1

  constructor(
    readonly database: string,
    readonly name: string,
    readonly options: Document = {},
  ) {}

  get namespace(): string {
    return `${this.database}.${this.name}`
  }

  has(idKey: string): boolean {
    return this.records.has(idKey)
  }

  get(idKey: string): StoredRecord | undefined {
    return this.records.get(idKey)
  }

  /** Gives the document an `_id` if it has none and puts `_id` first, as mongod does. */
  static withId(document: Document): Document {
    if (document._id === undefined) return { _id: new ObjectId(), ...document }
    if (Object.keys(document)[0] === '_id') return document
    const { _id, ...rest } = document
    return { _id, ...rest }
  }

  private assertIndexable(idKey: string, document: Document, existing: StoredRecord | undefined): void {
    if (existing === undefined && this.records.has(idKey)) {
      const keyValue = { _id: document._id }
      throw new MongoCommandError(
        errorCodes.duplicateKey,
        `E11000 duplicate key error collection: ${this.namespace} index: _id_ dup key: ${describeKey(keyValue)}`,
        { details: { keyPattern: { _id: 1 }, keyValue } },
      )
    }
    for (const index of this.indexes) index.assertUnique(idKey, document)
  }

  insert(document: Document): StoredRecord {
    const idKey = valueKey(document._id)
    this.assertIndexable(idKey, document, undefined)
    const record: StoredRecord = { idKey, recordId: this.nextRecordId++, document, version: nextVersion() }
    this.records.set(idKey, record)
    for (const index of this.indexes) index.add(idKey, document, record.recordId)
    return record
  }

  /** Swaps in a new version of a document after checking unique indexes; a rejected write changes nothing. */
  replace(record: StoredRecord, document: Document): StoredRecord {
    if (valueKey(document._id) !== record.idKey) {
      throw new MongoCommandError(
        errorCodes.immutableField,
        "Performing an update on the path '_id' would modify the immutable field '_id'",
      )
    }
    // Only the indexes whose keys change are touched (a claim or an ack changes few of them).
    const changed = this.indexes.filter((index) => !index.sameKeys(record.document, document))
    for (const index of changed) index.remove(record.idKey, record.document, record.recordId)
    try {
      for (const index of changed) index.assertUnique(record.idKey, document)
    } catch (error) {
      for (const index of changed) index.add(record.idKey, record.document, record.recordId)
      throw error
    }
    for (const index of changed) index.add(record.idKey, document, record.recordId)
    for (const index of this.indexes) index.forget(record.document)
    const replaced: StoredRecord = { ...record, document, version: nextVersion() }
    this.records.set(record.idKey, replaced)
    return replaced
  }

  remove(record: StoredRecord): void {
    if (!this.records.delete(record.idKey)) return
    for (const index of this.indexes) {
      index.remove(record.idKey, record.document, record.recordId)
      index.forget(record.document)
    }
  }

  /** Puts a record back as it was, keeping its record id (used when committing transactions). */
  restore(record: StoredRecord): void {
    const current = this.records.get(record.idKey)
    if (current !== undefined) this.remove(current)
    this.assertIndexable(record.idKey, record.document, undefined)
    this.records.set(record.idKey, { ...record, version: nextVersion() })
    this.nextRecordId = Math.max(this.nextRecordId, record.recordId + 1)
    for (const index of this.indexes) index.add(record.idKey, record.document, record.recordId)
  }

  /**
   * Records that may match a (plain) filter, in natural order. Equality or `$in` on `_id` or on the
   * leading field of an index narrows the set through the index instead of scanning.
   */
  candidates(filter: Document, naturalOrder = true): StoredRecord[] {
    const idValues = '_id' in filter ? equalityValues(filter._id) : undefined
    if (idValues !== undefined) {
      const found = idValues.map((value) => this.records.get(valueKey(value)))
      return [...new Set(found.filter((record): record is StoredRecord => record !== undefined))].sort(
        (left, right) => left.recordId - right.recordId,
      )
    }
    let best: Set<string> | undefined
    for (const index of this.indexes) {
      const field = index.fields[0]!
      if (!index.usableFor(filter) || !(field in filter)) continue
      const values = equalityValues(filter[field])
      if (values === undefined || (index.sparse && values.some((value) => value === null))) continue
      const ids = index.lookupLeading(values)
      if (best === undefined || ids.size < best.size) best = ids
    }
    if (best === undefined) return [...this.records.values()]
    const found: StoredRecord[] = []
    for (const idKey of best) {
      const record = this.records.get(idKey)
      if (record !== undefined) found.push(record)
    }
    return naturalOrder ? found.sort((left, right) => left.recordId - right.recordId) : found
  }

  /**
   * Records in the order of a sort, walked through an index whose fields are the filter's
   * single-value equalities followed by the sort fields; undefined when no index fits.
   */
  sortedCandidates(
    filter: Document,
    sort: { field: string; direction: number }[],
  ): Iterable<StoredRecord> | undefined {
    for (const index of this.indexes) {
      if (index.multikey || index.sparse || !index.usableFor(filter)) continue
      const prefix: unknown[] = []
      while (prefix.length < index.fields.length) {
        const field = index.fields[prefix.length]!
        const values = field in filter ? equalityValues(filter[field]) : undefined
        if (values === undefined || values.length !== 1 || sort.some((key) => key.field === field)) break
        prefix.push(values[0] ?? null)
      }
      const rest = index.fields.slice(prefix.length)
      if (sort.length > rest.length || !sort.every((key, position) => key.field === rest[position])) continue
      const sign = sort[0]!.direction * index.directions[prefix.length]!
      if (
        !sort.every((key, position) => key.direction * index.directions[prefix.length + position]! === sign)
      )
        continue
      const records = this.records
      return (function* () {
        for (const idKey of index.walk(prefix, sign < 0, () => records.values())) {
          const record = records.get(idKey)
          if (record !== undefined) yield record
        }
      })()
    }
    return undefined
  }

  indexSpecs(): Document[] {
    return [idIndexSpec, ...this.indexes.map((index) => index.spec)]
  }

  addIndex(spec: Document): void {
    this.addIndexes([spec])
  }

  /** Builds every index over the stored documents first; adds none if one refuses a duplicate key. */
  addIndexes(specs: Document[]): void {
    const built = specs.map((spec) => {
      const index = new CollectionIndex(spec, this.namespace)
      for (const record of this.records.values()) {
        index.assertUnique(record.idKey, record.document)
        index.add(record.idKey, record.document, record.recordId)
      }
      return index
    })
    this.indexes.push(...built)
  }

  dropIndex(name: string): boolean {
    const before = this.indexes.length
    this.indexes = this.indexes.filter((index) => index.name !== name)
    return this.indexes.length !== before
  }

  /** A copy sharing the (immutable) documents, for a transaction to write into privately. */
  clone(): Collection {
    const copy = new Collection(this.database, this.name, this.options)
    copy.records = new Map(this.records)
    copy.indexes = this.indexes.map((index) => index.clone(this.namespace))
    copy.nextRecordId = this.nextRecordId
    return copy
  }
}
