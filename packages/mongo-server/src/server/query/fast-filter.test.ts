import { Double, Int32, Long, ObjectId } from 'bson'
import { Query } from 'mingo'
import { describe, expect, it } from 'vitest'
import { type Document, toPlain } from '../bson-values.js'
import { compileFastFilter } from './fast-filter.js'

// The fast path is an optimisation of mingo's matching: wherever it decides, it must agree with
// mingo on the document's plain view (numeric wrappers as numbers), which is what mingo is given.
const id = new ObjectId('64b7f0c2a1b2c3d4e5f60718')
const values: unknown[] = [
  undefined,
  null,
  0,
  -1,
  2.5,
  7,
  'a',
  'pending',
  '',
  true,
  false,
  new Date(1_000),
  new Date(2_000),
  id,
  new ObjectId('64b7f0c2a1b2c3d4e5f60719'),
  { x: 1 },
  new Int32(7),
  new Double(2.5),
  Long.fromNumber(-1),
  [1, 2],
  [],
  ['pending'],
]
const literals = values.filter((value) => value !== undefined && !Array.isArray(value)).map(toPlain)

function documentsFor(path: string[]): Document[] {
  return values.map((value) => {
    const document: Document = { _id: 1 }
    if (value === undefined) return path.length === 1 ? document : { _id: 1, [path[0]!]: {} }
    if (path.length === 1) document[path[0]!] = value
    else document[path[0]!] = { [path[1]!]: value }
    return document
  })
}

function conditionsFor(literal: unknown): unknown[] {
  return [
    literal,
    { $eq: literal },
    { $ne: literal },
    { $in: [literal, 'a'] },
    { $nin: [literal] },
    { $lt: literal },
    { $lte: literal },
    { $gt: literal },
    { $gte: literal },
    { $gte: literal, $lt: new Date(1_500) },
  ]
}

describe('compileFastFilter', () => {
  it('agrees with mingo on every document it decides', () => {
    let decided = 0
    for (const path of [['f'], ['d', 'f']]) {
      const field = path.join('.')
      const documents = documentsFor(path)
      const conditions = [
        ...literals.flatMap(conditionsFor),
        { $exists: true },
        { $exists: false },
        { $type: 'string' },
        { $type: 'date' },
        { $in: [] },
      ]
      for (const condition of conditions) {
        const filters: Document[] = [
          { [field]: condition },
          { $or: [{ [field]: condition }, { other: 1 }] },
          { $nor: [{ [field]: condition }] },
          { $and: [{ [field]: condition }, { _id: 1 }] },
        ]
        for (const filter of filters) {
          const fast = compileFastFilter(filter)
          if (fast === undefined) continue
          const query = new Query(filter, {})
          for (const document of documents) {
            const result = fast(document)
            if (result === undefined) continue
            decided += 1
            expect({ filter, document, result }).toEqual({
              filter,
              document,
              result: query.test(toPlain(document) as Document),
            })
          }
        }
      }
    }
    expect(decided).toBeGreaterThan(1_000)
  })

  it('leaves shapes it does not handle to mingo', () => {
    expect(compileFastFilter({ a: /x/ })).toBeUndefined()
    expect(compileFastFilter({ a: { b: 1 } })).toBeUndefined()
    expect(compileFastFilter({ a: [1] })).toBeUndefined()
    expect(compileFastFilter({ a: { $elemMatch: { b: 1 } } })).toBeUndefined()
    expect(compileFastFilter({ $expr: { $eq: ['$a', 1] } })).toBeUndefined()
    expect(compileFastFilter({ $or: [] })).toBeUndefined()
    expect(compileFastFilter({ a: { $lt: 'b' } })).toBeUndefined()
  })
})
