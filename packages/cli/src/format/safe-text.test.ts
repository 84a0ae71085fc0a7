import { describe, expect, it } from 'vitest'
import { safeJson, safeMessage, safeText } from './safe-text.js'

describe('safeText', () => {
  it.each([
    ['line\nforged', 'line\\nforged'],
    ['\u001b[31mred\u001b[0m', '\\x1b[31mred\\x1b[0m'],
    ['tab\tcr\r', 'tab\\tcr\\r'],
    ['bell\u0007 nul\u0000 del\u007f', 'bell\\x07 nul\\x00 del\\x7f'],
    ['c1 csi\u009b2J', 'c1 csi\\x9b2J'],
    ['bidi \u202eabc\u2066', 'bidi \\u202eabc\\u2066'],
    ['sep\u2028x', 'sep\\u2028x'],
  ])('escapes %j', (text, expected) => {
    expect(safeText(text)).toBe(expected)
  })

  it('leaves printable text, Unicode included, alone', () => {
    const text = 'e-mail:送信 ✓ C:\\path "quoted" ü'
    expect(safeText(text)).toBe(text)
  })
})

describe('safeMessage and safeJson', () => {
  it('keep line breaks in messages and JSON valid with the same value', () => {
    expect(safeMessage('a\u001b[2J\nb\r\nc')).toBe('a\\x1b[2J\nb\nc')
    const value = { type: 'x\u009b2J\u202e', key: 'y\n' }
    const json = safeJson(JSON.stringify(value, null, 2))
    // biome-ignore lint/suspicious/noControlCharactersInRegex: checking that none are left
    expect(json).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/)
    expect(JSON.parse(json)).toEqual(value)
  })
})
