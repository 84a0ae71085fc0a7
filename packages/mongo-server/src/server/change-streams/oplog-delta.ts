import { calculateObjectSize, serialize } from 'bson'
import { type Document, isPlainObject } from '../bson-values.js'

/** mongod's allowance for the `$v`/`diff` wrapper of a delta oplog entry. */
const deltaMetadataBytes = 15

function sizeOf(document: Document): number {
  return calculateObjectSize(document)
}

function binaryEqual(left: unknown, right: unknown): boolean {
  return Buffer.compare(serialize({ v: left }), serialize({ v: right })) === 0
}

/** The diff of one field whose old and new values are both documents or both arrays, or undefined when not smaller than the new value. */
function subDiff(before: unknown, after: unknown): Document | undefined {
  if (Array.isArray(before) && Array.isArray(after)) return arrayDiff(before, after)
  if (isPlainObject(before) && isPlainObject(after)) return documentDiff(before, after, 0)
  return undefined
}

function arrayDiff(before: unknown[], after: unknown[]): Document | undefined {
  const diff: Document = { a: true }
  after.forEach((value, index) => {
    if (index < before.length && binaryEqual(before[index], value)) return
    const nested = index < before.length ? subDiff(before[index], value) : undefined
    if (nested !== undefined) diff[`s${index}`] = nested
    else diff[`u${index}`] = value
  })
  if (before.length > after.length) diff.l = after.length
  const asDocument = Object.fromEntries(after.map((value, index) => [String(index), value]))
  return sizeOf(diff) < sizeOf(asDocument) ? diff : undefined
}

/**
 * The oplog v2 diff mongod computes for a pipeline update (`computeDocDiff` in
 * src/mongo/db/update/document_diff_calculator.cpp): fields walked in order, a field whose name
 * does not line up is deleted and inserted again, documents and arrays diffed recursively.
 * Undefined when the diff plus `paddingBytes` is not smaller than the new document.
 */
function documentDiff(before: Document, after: Document, paddingBytes: number): Document | undefined {
  const updates: Document = {}
  const inserts: Document = {}
  const deletes = new Set<string>()
  const children: Document = {}
  const beforeFields = Object.keys(before)
  const afterFields = Object.keys(after)
  let beforeAt = 0
  let afterAt = 0
  while (beforeAt < beforeFields.length && afterAt < afterFields.length) {
    const field = beforeFields[beforeAt]!
    if (field !== afterFields[afterAt]) {
      deletes.add(field)
      beforeAt += 1
      continue
    }
    if (!binaryEqual(before[field], after[field])) {
      const nested = subDiff(before[field], after[field])
      if (nested !== undefined) children[`s${field}`] = nested
      else updates[field] = after[field]
    }
    beforeAt += 1
    afterAt += 1
  }
  for (const field of beforeFields.slice(beforeAt)) deletes.add(field)
  for (const field of afterFields.slice(afterAt)) {
    inserts[field] = after[field]
    deletes.delete(field)
  }
  const diff: Document = {}
  if (deletes.size > 0) diff.d = Object.fromEntries([...deletes].map((field) => [field, false]))
  if (Object.keys(updates).length > 0) diff.u = updates
  if (Object.keys(inserts).length > 0) diff.i = inserts
  Object.assign(diff, children)
  return sizeOf(diff) + paddingBytes < sizeOf(after) ? diff : undefined
}

/**
 * Whether mongod would log this pipeline update as a delta (reported as `update`) rather than as a
 * replacement (reported as `replace`): only when the delta is smaller than the new document.
 */
export function loggedAsDelta(before: Document, after: Document): boolean {
  return documentDiff(before, after, deltaMetadataBytes) !== undefined
}
