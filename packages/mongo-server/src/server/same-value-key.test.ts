import { Int32, Long, ObjectId } from 'bson'
import { describe, expect, it } from 'vitest'
import { sameValueKey, valueKey } from './bson-values.js'

// sameValueKey must answer exactly `valueKey(left) === valueKey(right)` (the update no-op check).
const id = new ObjectId()
const pairs: Array<[string, unknown, unknown]> = [
  ['equal documents', { _id: id, a: 1, b: { c: 'x' } }, { _id: id, a: 1, b: { c: 'x' } }],
  ['one field changed', { _id: id, state: 'pending', n: 1 }, { _id: id, state: 'running', n: 1 }],
  ['numeric wrappers of the same number', { a: new Int32(1) }, { a: new Long(1) }],
  ['null and undefined', { a: null }, { a: undefined }],
  ['fields in another order', { a: 1, b: 2 }, { b: 2, a: 1 }],
  ['a field added', { a: 1 }, { a: 1, b: 2 }],
  ['a nested field changed', { a: { b: [1, { c: 2 }] } }, { a: { b: [1, { c: 3 }] } }],
  ['dates', { at: new Date(1) }, { at: new Date(1) }],
  ['an object shaped like a BSON value', { a: { _bsontype: 'x' } }, { a: { _bsontype: 'x' } }],
  ['not objects', 'a', 'a'],
]

describe('sameValueKey', () => {
  it.each(pairs)('agrees with valueKey: %s', (_name, left, right) => {
    expect(sameValueKey(left, right)).toBe(valueKey(left) === valueKey(right))
  })
})
