import { describe, expect, it } from 'vitest'
import { loggedAsDelta } from './oplog-delta.js'

const padding = 'x'.repeat(500)

describe('loggedAsDelta', () => {
  it('logs a small change to a large document as a delta', () => {
    expect(loggedAsDelta({ _id: 1, n: 1, padding }, { _id: 1, n: 2, padding })).toBe(true)
  })

  it('logs a rewrite of most of a small document as a replacement', () => {
    expect(loggedAsDelta({ _id: 1, n: 1 }, { _id: 1, n: 2, state: 'pending' })).toBe(false)
  })

  it('diffs nested documents and arrays instead of rewriting them', () => {
    const before = { _id: 1, nested: { a: 1, padding }, list: [1, 2, padding] }
    expect(loggedAsDelta(before, { _id: 1, nested: { a: 2, padding }, list: [1, 3, padding] })).toBe(true)
  })

  it('treats a field that moved as deleted and inserted again', () => {
    const before = { _id: 1, big: padding, n: 1 }
    expect(loggedAsDelta(before, { _id: 1, n: 1, big: padding })).toBe(false)
  })
})
