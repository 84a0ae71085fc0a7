import { compare } from 'mingo/util'
import { type Document, getPath, isNumericWrapper, isPlainObject, toPlain, valueKey } from '../bson-values.js'
import { errorCodes, MongoCommandError } from '../errors.js'
import { impliesPartialFilter } from '../query/implies-partial-filter.js'
import { type CompiledFilter, compileFilter } from '../query/select-records.js'

const keySeparator = '\u0000'

interface SortedEntry {
  values: unknown[]
  idKey: string
  recordId: number
}

/** A stored document as an index sees it. */
export interface IndexedDocument {
  idKey: string
  document: Document
  recordId: number
}

/** What one document contributes to an index; undefined `sortValues` when it is multikey. */
interface IndexKeys {
  full: string[]
  leading: string[]
  sortValues: unknown[] | undefined
}

/** Values a document contributes to one index field: one per array element (multikey), null if missing. */
function indexValues(document: unknown, path: string): unknown[] {
  const direct = valueWithoutArrays(document, path)
  if (direct !== arrayOnPath) return [direct]
  let current: unknown[] = [document]
  const segments = path.split('.')
  segments.forEach((segment, position) => {
    const next: unknown[] = []
    for (const value of current) {
      if (Array.isArray(value) && !/^\d+$/.test(segment)) {
        for (const element of value) {
          if (descendable(element)) next.push((element as Document)[segment])
        }
      } else if (descendable(value)) {
        next.push((value as Document)[segment])
      } else {
        next.push(undefined)
      }
    }
    current = position === segments.length - 1 ? next : next.filter((value) => value !== undefined)
  })
  const expanded = current.flatMap((value) =>
    Array.isArray(value) ? (value.length > 0 ? value : [undefined]) : [value],
  )
  return expanded.length > 0 ? expanded : [undefined]
}

const arrayOnPath = Symbol('arrayOnPath')

/** Paths lead into objects, but not into numbers (which the stored document keeps wrapped). */
function descendable(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !isNumericWrapper(value)
}

/** The value at a dotted path when no array lies on it (the usual case); `arrayOnPath` otherwise. */
function valueWithoutArrays(document: unknown, path: string): unknown {
  let current = document
  let start = 0
  while (true) {
    if (Array.isArray(current)) return arrayOnPath
    const end = path.indexOf('.', start)
    const segment = end === -1 ? path.slice(start) : path.slice(start, end)
    current = descendable(current) ? (current as Document)[segment] : undefined
    if (end === -1) return Array.isArray(current) ? arrayOnPath : current
    start = end + 1
  }
}

/**
 * True when a path holds the very same value in two documents and no array lies on it: an update
 * that shares what it did not write (see `applySimpleUpdate`) leaves such paths identical.
 */
function identicalAtPath(before: Document, after: Document, path: string): boolean {
  const left = valueWithoutArrays(before, path)
  return left !== arrayOnPath && left === valueWithoutArrays(after, path)
}

/** The fields a partial filter reads, or undefined when its shape is not a plain list of fields. */
function filterFields(filter: Document): string[] | undefined {
  const fields: string[] = []
  for (const [key, condition] of Object.entries(filter)) {
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(condition)) return undefined
      for (const clause of condition) {
        const inner = isPlainObject(clause) ? filterFields(clause) : undefined
        if (inner === undefined) return undefined
        fields.push(...inner)
      }
    } else if (key.startsWith('$')) {
      return undefined
    } else {
      fields.push(key)
    }
  }
  return fields
}

function isObjectId(value: unknown): value is { id: Uint8Array } {
  return (
    value !== null && typeof value === 'object' && (value as { _bsontype?: string })._bsontype === 'ObjectId'
  )
}

/**
 * mingo's `compare`, answered directly for two values of the same common type (numbers, strings,
 * Dates, ObjectIds: the fields of durabl's indexes), as mingo orders them.
 */
function compareValues(left: unknown, right: unknown): number {
  if (
    (typeof left === 'number' && typeof right === 'number') ||
    (typeof left === 'string' && typeof right === 'string')
  )
    return left < right ? -1 : left > right ? 1 : 0
  if (left instanceof Date && right instanceof Date) {
    const [a, b] = [left.getTime(), right.getTime()]
    return a < b ? -1 : a > b ? 1 : 0
  }
  // Byte order is the order of the hex strings mingo compares.
  if (isObjectId(left) && isObjectId(right)) return Math.sign(Buffer.compare(left.id, right.id))
  return compare(left, right)
}

function cartesian(lists: string[][]): string[] {
  if (lists.every((list) => list.length === 1)) return [lists.map((list) => list[0]).join(keySeparator)]
  return lists.reduce<string[]>(
    (combined, list) =>
      combined.flatMap((prefix) => list.map((key) => (prefix === '' ? key : prefix + keySeparator + key))),
    [''],
  )
}

function addTo(map: Map<string, Set<string>>, key: string, idKey: string): void {
  let set = map.get(key)
  if (set === undefined) {
    set = new Set()
    map.set(key, set)
  }
  set.add(idKey)
}

function removeFrom(map: Map<string, Set<string>>, key: string, idKey: string): void {
  const set = map.get(key)
  if (set === undefined) return
  set.delete(idKey)
  if (set.size === 0) map.delete(key)
}

/** Renders a value for an E11000 message the way mongod does: `{ email: "a@b.c" }`. */
export function describeKey(keyValue: Document): string {
  const parts = Object.entries(keyValue).map(([field, value]) => {
    const plain = toPlain(value)
    const text =
      typeof plain === 'string' || plain instanceof Date || plain === null || typeof plain !== 'object'
        ? JSON.stringify(plain instanceof Date ? plain.toISOString() : (plain ?? null))
        : String(plain)
    return `${field}: ${text}`
  })
  return `{ ${parts.join(', ')} }`
}

/**
 * One secondary index: a map from key to the ids of documents holding it (for uniqueness), and
 * a map from the leading field's key (for equality lookups without a collection scan).
 */
/** The literal values a filter requires a field to equal, or undefined if it does not pin the field. */
export function equalityValues(condition: unknown): unknown[] | undefined {
  const isLiteral = (value: unknown) =>
    !(value instanceof RegExp) &&
    !Array.isArray(value) &&
    !(isPlainObject(value) && Object.keys(value).some((key) => key.startsWith('$')))
  if (isPlainObject(condition) && Object.keys(condition).some((key) => key.startsWith('$'))) {
    if ('$eq' in condition && isLiteral(condition.$eq)) return [condition.$eq]
    if (Array.isArray(condition.$in) && condition.$in.every(isLiteral)) return condition.$in
    return undefined
  }
  return isLiteral(condition) ? [condition] : undefined
}

export class CollectionIndex {
  readonly fields: string[]
  readonly unique: boolean
  readonly sparse: boolean
  readonly expireAfterSeconds: number | undefined
  private readonly partialFilter: CompiledFilter | undefined
  /** Every path this index reads (its fields and its partial filter's), if known. */
  private readonly readPaths: string[] | undefined
  /** Full key to the ids holding it; kept for unique indexes only (duplicate checks, key locks). */
  private entries = new Map<string, Set<string>>()
  private leading = new Map<string, Set<string>>()
  /**
   * Entries in index order, for sorted walks: built on the first walk (most indexes never serve
   * one, and need not pay for ordered inserts), abandoned once a document has array values.
   */
  private sorted: SortedEntry[] | undefined
  multikey = false
  readonly directions: number[]

  constructor(
    readonly spec: Document,
    private readonly namespace: string,
  ) {
    const key = spec.key as Document
    this.fields = Object.keys(key)
    this.directions = Object.values(key).map((direction) => (Number(toPlain(direction)) < 0 ? -1 : 1))
    this.unique = spec.unique === true
    this.sparse = spec.sparse === true
    const ttl = spec.expireAfterSeconds
    this.expireAfterSeconds = ttl === undefined ? undefined : Number(toPlain(ttl))
    const partial = spec.partialFilterExpression as Document | undefined
    this.partialFilter = partial === undefined ? undefined : compileFilter(partial)
    const partialFields = partial === undefined ? [] : filterFields(partial)
    this.readPaths = partialFields === undefined ? undefined : [...this.fields, ...partialFields]
  }

  get name(): string {
    return this.spec.name as string
  }

  /**
   * Whether lookups for `filter` may use this index: always for a full index; for a partial one only
   * when the filter states the partial filter's conditions itself (see `impliesPartialFilter`), the
   * same conservative rule `explain` plans by.
   */
  usableFor(filter: Document): boolean {
    const partial = this.spec.partialFilterExpression
    return partial === undefined || impliesPartialFilter(filter, toPlain(partial) as Document)
  }

  /** Keys per document: stored documents are never mutated, so each is computed once. */
  private readonly keyCache = new WeakMap<Document, IndexKeys | null>()

  private keysOf(document: Document): IndexKeys | undefined {
    const cached = this.keyCache.get(document)
    if (cached !== undefined) return cached ?? undefined
    const keys = this.computeKeys(document)
    this.keyCache.set(document, keys ?? null)
    return keys
  }

  private computeKeys(document: Document): IndexKeys | undefined {
    if (this.partialFilter !== undefined && !this.partialFilter.matches(document)) return undefined
    const perField = this.fields.map((field) => indexValues(document, field))
    if (this.sparse && perField.every((values) => values.every((value) => value === undefined)))
      return undefined
    const keyLists = perField.map((values) => [...new Set(values.map(valueKey))])
    const single = perField.every((values) => values.length === 1 && !Array.isArray(values[0]))
    return {
      full: cartesian(keyLists),
      leading: keyLists[0] ?? [],
      // Sorted walks compare plain values, as mingo does.
      sortValues: single ? perField.map((values) => toPlain(values[0] ?? null)) : undefined,
    }
  }

  /** Drops the cached keys of a document version no longer stored (a change event may keep it). */
  forget(document: Document): void {
    this.keyCache.delete(document)
  }

  /**
   * True when two versions of a document hold the same entries here, so replacing one by the
   * other need not touch this index (equal keys compare equal, and the record id is kept).
   */
  sameKeys(before: Document, after: Document): boolean {
    if (this.readPaths?.every((path) => identicalAtPath(before, after, path))) return true
    const left = this.keysOf(before)
    const right = this.keysOf(after)
    if (left === undefined || right === undefined) return left === right
    if ((left.sortValues === undefined) !== (right.sortValues === undefined)) return false
    if (left.full.length !== right.full.length || left.leading.length !== right.leading.length) return false
    return left.full.every((key, position) => key === right.full[position])
  }

  add(idKey: string, document: Document, recordId: number): void {
    const keys = this.keysOf(document)
    if (keys === undefined) return
    if (this.unique) for (const key of keys.full) addTo(this.entries, key, idKey)
    for (const key of keys.leading) addTo(this.leading, key, idKey)
    if (this.multikey) return
    const entry = this.sortedEntry(idKey, document, recordId)
    if (entry === undefined) {
      this.multikey = true
      this.sorted = undefined
      return
    }
    this.sorted?.splice(this.lowerBound(this.sorted, entry), 0, entry)
  }

  remove(idKey: string, document: Document, recordId: number): void {
    const keys = this.keysOf(document)
    if (keys === undefined) return
    if (this.unique) for (const key of keys.full) removeFrom(this.entries, key, idKey)
    for (const key of keys.leading) removeFrom(this.leading, key, idKey)
    if (this.multikey || this.sorted === undefined) return
    const entry = this.sortedEntry(idKey, document, recordId)
    if (entry === undefined) return
    const position = this.lowerBound(this.sorted, entry)
    if (this.sorted[position]?.idKey === idKey) this.sorted.splice(position, 1)
  }

  private sortedEntry(idKey: string, document: Document, recordId: number): SortedEntry | undefined {
    const values = this.keysOf(document)?.sortValues
    return values === undefined ? undefined : { values, idKey, recordId }
  }

  private compareEntries(left: SortedEntry, right: SortedEntry): number {
    for (let position = 0; position < this.fields.length; position += 1) {
      const order = compareValues(left.values[position], right.values[position])
      if (order !== 0) return order * this.directions[position]!
    }
    return left.recordId - right.recordId
  }

  private lowerBound(sorted: SortedEntry[], entry: SortedEntry): number {
    let low = 0
    let high = sorted.length
    while (low < high) {
      const middle = (low + high) >> 1
      if (this.compareEntries(sorted[middle]!, entry) < 0) low = middle + 1
      else high = middle
    }
    return low
  }

  /**
   * Ids in index order (or reverse) among entries whose first fields equal `prefix`: a sorted
   * walk, so a sorted claim reads from the front instead of sorting every candidate. `stored`
   * lists the collection's documents, to build the order on the first walk.
   */
  *walk(prefix: unknown[], reverse: boolean, stored: () => Iterable<IndexedDocument>): Iterable<string> {
    if (this.sorted === undefined) {
      const entries: SortedEntry[] = []
      for (const { idKey, document, recordId } of stored()) {
        const entry =
          this.keysOf(document) === undefined ? undefined : this.sortedEntry(idKey, document, recordId)
        if (entry !== undefined) entries.push(entry)
      }
      this.sorted = entries.sort((left, right) => this.compareEntries(left, right))
    }
    const sorted = this.sorted
    const comparePrefix = (entry: SortedEntry) => {
      for (let position = 0; position < prefix.length; position += 1) {
        const order = compareValues(entry.values[position], prefix[position]) * this.directions[position]!
        if (order !== 0) return order
      }
      return 0
    }
    const bound = (inclusive: boolean) => {
      let low = 0
      let high = sorted.length
      while (low < high) {
        const middle = (low + high) >> 1
        const order = comparePrefix(sorted[middle]!)
        if (order < 0 || (inclusive && order === 0)) low = middle + 1
        else high = middle
      }
      return low
    }
    const start = bound(false)
    const end = bound(true)
    if (reverse) {
      for (let position = end - 1; position >= start; position -= 1) yield sorted[position]!.idKey
    } else {
      for (let position = start; position < end; position += 1) yield sorted[position]!.idKey
    }
  }

  /** Throws DuplicateKey if another document already holds one of this document's keys. */
  assertUnique(idKey: string, document: Document): void {
    if (!this.unique) return
    const keys = this.keysOf(document)
    if (keys === undefined) return
    for (const key of keys.full) {
      const holders = this.entries.get(key)
      if (holders === undefined) continue
      for (const holder of holders) {
        if (holder !== idKey) throw this.duplicateKeyError(document)
      }
    }
  }

  duplicateKeyError(document: Document): MongoCommandError {
    const keyValue: Document = {}
    for (const field of this.fields) keyValue[field] = getPath(document, field) ?? null
    return new MongoCommandError(
      errorCodes.duplicateKey,
      `E11000 duplicate key error collection: ${this.namespace} index: ${this.name} dup key: ${describeKey(keyValue)}`,
      { details: { keyPattern: this.spec.key, keyValue } },
    )
  }

  /** Ids of documents whose leading field equals one of the given values. */
  lookupLeading(values: unknown[]): Set<string> {
    const result = new Set<string>()
    for (const value of values) {
      const holders = this.leading.get(valueKey(value))
      if (holders !== undefined) for (const holder of holders) result.add(holder)
    }
    return result
  }

  /** The keys a document holds in this index if it is unique (transactions lock them); else none. */
  uniqueKeysOf(document: Document | undefined): string[] {
    if (!this.unique || document === undefined) return []
    return this.keysOf(document)?.full ?? []
  }

  /** Ids of the documents holding a full key of this index. */
  holdersOf(key: string): ReadonlySet<string> | undefined {
    return this.entries.get(key)
  }

  clone(namespace: string): CollectionIndex {
    const copy = new CollectionIndex(this.spec, namespace)
    copy.sorted = this.sorted === undefined ? undefined : [...this.sorted]
    copy.multikey = this.multikey
    for (const [key, holders] of this.entries) copy.entries.set(key, new Set(holders))
    for (const [key, holders] of this.leading) copy.leading.set(key, new Set(holders))
    return copy
  }
}
