import { describe, expect, it } from 'vitest'
import { PayloadError } from '../errors/payload-error.js'
import { validatePayload } from './validate-payload.js'

const MAX = 1_048_576

function problemAt(value: unknown, max = MAX): { path: string; message: string } | null {
  try {
    validatePayload(value, 'data', max)
    return null
  } catch (error) {
    if (!PayloadError.isInstance(error)) throw error
    return { path: (error as PayloadError).path, message: error.message }
  }
}

describe('validatePayload', () => {
  it('accepts JSON-like data, Dates, binary and BSON values', () => {
    const objectIdLike = { _bsontype: 'ObjectId', id: new Uint8Array(12) }
    expect(
      problemAt({
        text: 'héllo',
        count: 3,
        ratio: -0.5,
        flag: false,
        nothing: null,
        optional: undefined,
        list: [1, 'two', { three: 3 }],
        at: new Date(),
        bytes: Buffer.from('abc'),
        raw: new Uint8Array(4),
        ref: objectIdLike,
        bare: Object.create(null),
      }),
    ).toBeNull()
  })

  it('accepts a value shared by two branches (not a cycle)', () => {
    const shared = { a: 1 }
    expect(problemAt({ left: shared, right: shared })).toBeNull()
  })

  it('names the path of a function', () => {
    expect(problemAt({ user: { callback: () => 1 } })).toMatchObject({
      path: 'data.user.callback',
      message: expect.stringContaining('data.user.callback is a function'),
    })
  })

  it('names the path of a symbol, a bigint and a symbol key', () => {
    expect(problemAt({ tag: Symbol('x') })?.path).toBe('data.tag')
    expect(problemAt({ items: [1, 2n] })?.path).toBe('data.items[1]')
    expect(problemAt({ [Symbol('k')]: 1 })?.message).toContain('symbol key')
  })

  it('names the path of a cycle', () => {
    const node: Record<string, unknown> = { name: 'root', child: {} }
    ;(node.child as Record<string, unknown>).parent = node
    expect(problemAt(node)).toMatchObject({
      path: 'data.child.parent',
      message: expect.stringContaining('circular'),
    })
  })

  it('rejects class instances such as Map, Set and user classes, but not Date', () => {
    class User {
      name = 'a'
    }
    expect(problemAt({ lookup: new Map() })).toMatchObject({
      path: 'data.lookup',
      message: expect.stringContaining('is a Map'),
    })
    expect(problemAt({ tags: new Set() })?.message).toContain('is a Set')
    expect(problemAt({ user: new User() })?.message).toContain('is a User')
  })

  it('rejects NaN, Infinity, invalid Dates and undefined inside arrays', () => {
    expect(problemAt({ score: Number.NaN })?.path).toBe('data.score')
    expect(problemAt({ score: Number.POSITIVE_INFINITY })?.message).toContain('finite number')
    expect(problemAt({ at: new Date('nope') })?.message).toContain('invalid Date')
    expect(problemAt([1, undefined])?.path).toBe('data[1]')
  })

  it('quotes keys that are not identifiers', () => {
    expect(problemAt({ 'odd key': { fn: () => 1 } })?.path).toBe('data["odd key"].fn')
  })

  it('rejects data over maxPayloadBytes measured as serialised size', () => {
    expect(problemAt({ text: 'x'.repeat(80) }, 100)).toBeNull()
    const oversized = problemAt({ text: 'x'.repeat(200) }, 100)
    expect(oversized?.path).toBe('data')
    expect(oversized?.message).toContain('larger than maxPayloadBytes (100)')
    // Multi-byte characters count as their UTF-8 bytes.
    expect(problemAt('é'.repeat(60), 100)).not.toBeNull()
    expect(problemAt({ bytes: new Uint8Array(500) }, 100)).not.toBeNull()
  })
})
