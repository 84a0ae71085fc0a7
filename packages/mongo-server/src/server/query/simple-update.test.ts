import { Double, Int32, Long, ObjectId, serialize } from 'bson'
import { describe, expect, it } from 'vitest'
import { type Document, valueKey } from '../bson-values.js'
import { applyUpdate } from './apply-update.js'
import { applySimpleUpdate } from './simple-update.js'

function hex(document: Document): string {
  return Buffer.from(serialize(document)).toString('hex')
}

// The fast path is an optimisation of the general (mingo) update: wherever it applies, its result
// must be the same document, byte for byte once serialised (field order and BSON types included).
function general(original: Document, update: Document): Document {
  // An empty arrayFilters list takes the general path without changing what the update means.
  return applyUpdate(original, update, { arrayFilters: [] })
}

const originals: Document[] = [
  { _id: new ObjectId('64b7f0c2a1b2c3d4e5f60718'), state: 'pending', rev: new Int32(3), n: new Double(1.5) },
  {
    _id: 1,
    state: 'active',
    rev: Long.fromNumber(7),
    dedupe: { pendingKey: 'k', activeKey: null },
    tags: ['a'],
  },
  { _id: 2, when: new Date(5), nested: { deep: { x: new Int32(1) } }, count: 4 },
  { _id: 3, scalar: 5, list: [1, 2], nothing: null },
]

const values: unknown[] = [
  'pending',
  new Int32(3),
  new Double(3),
  new Int32(4),
  Long.fromNumber(9),
  2.25,
  null,
  true,
  new Date(5),
  new Date(6),
  { a: new Int32(1), b: 'x' },
  ['x', new Int32(2)],
]
const paths = [
  'state',
  'rev',
  'n',
  'count',
  'dedupe.pendingKey',
  'dedupe.activeKey',
  'nested.deep.x',
  'fresh',
  'fresh.sub',
  'scalar.x',
  'list.x',
  'nothing.x',
  'tags',
]
const increments: unknown[] = [new Int32(1), new Int32(0), new Double(0.5), Long.fromNumber(2), -3]

function updatesFor(path: string): Document[] {
  return [
    ...values.map((value) => ({ $set: { [path]: value } })),
    ...increments.map((amount) => ({ $inc: { [path]: amount } })),
    { $unset: { [path]: '' } },
    { $set: { [path]: 'v', updatedAt: new Date(9) }, $inc: { other: new Int32(1) }, $unset: { gone: '' } },
  ]
}

describe('applySimpleUpdate', () => {
  it('gives the same document as the general update wherever it applies', () => {
    let applied = 0
    for (const original of originals) {
      for (const path of paths) {
        for (const update of updatesFor(path)) {
          const simple = applySimpleUpdate(original, update)
          if (simple === undefined) continue
          applied += 1
          const expected = general(original, update)
          expect({ update, result: hex(simple) }).toEqual({
            update,
            result: hex(expected),
          })
          expect(simple === original).toBe(valueKey(expected) === valueKey(original))
        }
      }
    }
    expect(applied).toBeGreaterThan(150)
  })

  it('never changes the original document', () => {
    const original: Document = { _id: 1, dedupe: { pendingKey: 'k' }, rev: new Int32(1) }
    const before = hex(original)
    applySimpleUpdate(original, {
      $set: { 'dedupe.pendingKey': null, state: 'x' },
      $inc: { rev: 1 },
      $unset: { dedupe: '' },
    })
    applySimpleUpdate(original, { $set: { 'dedupe.activeKey': 'k' }, $unset: { rev: '' } })
    expect(hex(original)).toBe(before)
  })

  it('leaves other operators, positional paths and conflicts to the general path', () => {
    const original: Document = { _id: 1, a: { b: 1 }, list: [1] }
    expect(applySimpleUpdate(original, { $push: { list: 2 } })).toBeUndefined()
    expect(applySimpleUpdate(original, { $set: { 'list.0': 2 } })).toBeUndefined()
    expect(applySimpleUpdate(original, { $set: { 'list.$': 2 } })).toBeUndefined()
    expect(applySimpleUpdate(original, { $set: { a: 1 }, $unset: { 'a.b': '' } })).toBeUndefined()
    expect(applySimpleUpdate(original, { $inc: { a: 1 } })).toBeUndefined()
    expect(applySimpleUpdate(original, { $inc: { x: 'one' } })).toBeUndefined()
  })
})
