import { Query } from 'mingo'
import { compare, resolve } from 'mingo/util'
import { type Document, plainView, toPlain } from '../bson-values.js'
import { toCommandError } from '../errors.js'
import type { Collection, StoredRecord } from '../storage/collection.js'
import { checkEveryRecords } from './deadline.js'
import { compileFastFilter } from './fast-filter.js'

export interface CompiledFilter {
  /** The filter with numeric wrappers turned into numbers, as mingo needs it. */
  readonly plain: Document
  matches(document: Document): boolean
}

export function compileFilter(filter: unknown): CompiledFilter {
  const plain = (filter === undefined || filter === null ? {} : toPlain(filter)) as Document
  if (Object.keys(plain).length === 0) return { plain, matches: () => true }
  const fast = compileFastFilter(plain)
  if (fast !== undefined) {
    // The fast path answers most documents; mingo (compiled on first need) decides the rest.
    let query: Query | undefined
    return {
      plain,
      matches: (document) => {
        const result = fast(document)
        if (result !== undefined) return result
        query ??= new Query(plain, {})
        return query.test(plainView(document))
      },
    }
  }
  let query: Query
  try {
    query = new Query(plain, {})
  } catch (error) {
    throw toCommandError(error)
  }
  return { plain, matches: (document) => query.test(plainView(document)) }
}

function sortValue(document: Document, field: string, direction: number): unknown {
  const value = resolve(plainView(document), field)
  if (!Array.isArray(value)) return value
  // MongoDB sorts an array field by its smallest element ascending and its largest descending.
  if (value.length === 0) return undefined
  return value.reduce((chosen, item) => (compare(item, chosen) * direction < 0 ? item : chosen))
}

/** Wraps a filter test so that it calls `interrupt` (the maxTimeMS check) every few records. */
function withInterrupts(compiled: CompiledFilter, interrupt: (() => void) | undefined): CompiledFilter {
  if (interrupt === undefined) return compiled
  let examined = 0
  return {
    plain: compiled.plain,
    matches: (document) => {
      examined += 1
      if (examined % checkEveryRecords === 0) interrupt()
      return compiled.matches(document)
    },
  }
}

/** The matching records of an ordered sequence, after `skip`, at most `limit`; stops reading early. */
function takeMatching(
  records: Iterable<StoredRecord>,
  compiled: CompiledFilter,
  skip: number,
  limit: number,
): StoredRecord[] {
  const selected: StoredRecord[] = []
  let skipped = 0
  for (const record of records) {
    if (!compiled.matches(record.document)) continue
    if (skipped < skip) {
      skipped += 1
      continue
    }
    selected.push(record)
    if (selected.length >= limit) break
  }
  return selected
}

interface SortKey {
  field: string
  direction: 1 | -1
}

function sortKeys(sort: Document | undefined): SortKey[] | undefined {
  const fields = Object.entries((toPlain(sort ?? {}) as Document) ?? {})
  if (fields.length === 0) return undefined
  return fields.map(([field, direction]) => ({ field, direction: Number(direction) < 0 ? -1 : 1 }))
}

/** A record with its sort values computed once, so sorting does not re-read paths per comparison. */
interface KeyedRecord {
  record: StoredRecord
  values: unknown[]
}

function keyed(record: StoredRecord, keys: SortKey[]): KeyedRecord {
  return {
    record,
    values: keys.map((key) =>
      key.field === '$natural' ? record.recordId : sortValue(record.document, key.field, key.direction),
    ),
  }
}

function compareKeyed(keys: SortKey[]): (left: KeyedRecord, right: KeyedRecord) => number {
  return (left, right) => {
    for (let position = 0; position < keys.length; position += 1) {
      const order = compare(left.values[position], right.values[position])
      if (order !== 0) return keys[position]!.direction * order
    }
    return left.record.recordId - right.record.recordId
  }
}

export interface SelectOptions {
  sort?: Document | undefined
  skip?: number | undefined
  /** 0 or undefined means no limit. */
  limit?: number | undefined
  /** Called every few examined records; throws to stop the query (maxTimeMS). */
  interrupt?: (() => void) | undefined
}

/** Finds the records matching a filter, sorted, skipped and limited. Synchronous by design. */
export function selectRecords(
  collection: Collection | undefined,
  filter: unknown,
  options: SelectOptions = {},
): StoredRecord[] {
  if (collection === undefined) return []
  const compiled = withInterrupts(compileFilter(filter), options.interrupt)
  const skip = options.skip ?? 0
  const limit = options.limit !== undefined && options.limit > 0 ? options.limit : Number.POSITIVE_INFINITY
  const keys = sortKeys(options.sort)
  if (keys === undefined) return takeMatching(collection.candidates(compiled.plain), compiled, skip, limit)
  const walk = limit !== Number.POSITIVE_INFINITY && !keys.some((key) => key.field === '$natural')
  const sorted = walk ? collection.sortedCandidates(compiled.plain, keys) : undefined
  if (sorted !== undefined) return takeMatching(sorted, compiled, skip, limit)
  const candidates = collection.candidates(compiled.plain, false)
  const comparator = compareKeyed(keys)
  if (skip === 0 && limit === 1) {
    // A claim (findAndModify with a sort) needs only the first: one pass instead of a sort.
    let first: KeyedRecord | undefined
    for (const record of candidates) {
      if (!compiled.matches(record.document)) continue
      const candidate = keyed(record, keys)
      if (first === undefined || comparator(candidate, first) < 0) first = candidate
    }
    return first === undefined ? [] : [first.record]
  }
  const matching = candidates
    .filter((record) => compiled.matches(record.document))
    .map((record) => keyed(record, keys))
  matching.sort(comparator)
  return matching.slice(skip, skip + limit).map((entry) => entry.record)
}
