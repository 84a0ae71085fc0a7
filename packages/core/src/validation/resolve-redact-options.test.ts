import { describe, expect, it } from 'vitest'
import { resolveRedactOptions } from './resolve-redact-options.js'

describe('resolveRedactOptions', () => {
  it('defaults to no extra patterns and copies each pattern with the g flag', () => {
    expect(resolveRedactOptions(undefined)).toEqual({ patterns: [] })
    const given = /secret-\d+/iy
    const [pattern] = resolveRedactOptions({ patterns: [given] }).patterns
    expect(pattern?.flags).toBe('gi')
    expect(pattern?.source).toBe(given.source)
    expect(given.flags).toBe('iy')
  })

  it('names field, rule and value', () => {
    expect(() => resolveRedactOptions({ patterns: 'x' })).toThrow(
      'options.redact.patterns must be an array of RegExp, got "x"',
    )
    expect(() => resolveRedactOptions({ patterns: [/a/, 'b'] })).toThrow(
      'options.redact.patterns[1] must be a RegExp, got "b"',
    )
    expect(() => resolveRedactOptions({ patterns: [/a*/] })).toThrow(
      'options.redact.patterns[0] must not match the empty string, got "/a*/"',
    )
    expect(() => resolveRedactOptions({ pattern: [/a/] })).toThrow(
      /^options\.redact\.pattern is not a known option \(known: patterns\)/,
    )
    expect(() => resolveRedactOptions([])).toThrow('options.redact must be a plain object, got an array of 0')
  })
})
