import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { resolveThreadModule } from './resolve-thread-module.js'

const THIS_FILE = new URL(import.meta.url)

describe('resolveThreadModule', () => {
  it('takes a file: URL, a file: URL string or an absolute path, and defaults the export', () => {
    const expected = { moduleUrl: THIS_FILE.href, exportName: 'default' }
    expect(resolveThreadModule({ module: THIS_FILE })).toEqual(expected)
    expect(resolveThreadModule({ module: THIS_FILE.href })).toEqual(expected)
    expect(resolveThreadModule({ module: fileURLToPath(THIS_FILE), exportName: 'resize' })).toEqual({
      ...expected,
      exportName: 'resize',
    })
  })

  it('names the field, the rule and the value', () => {
    expect(() => resolveThreadModule(undefined)).toThrow(
      'handler must be a function, or { module, exportName? } for a thread handler, got undefined',
    )
    expect(() => resolveThreadModule({ module: 'handlers/resize.js' })).toThrow(
      /^handler\.module must be a file: URL .* or an absolute path: a relative path would be resolved from inside @durabl\/core, got "handlers\/resize\.js"$/,
    )
    expect(() => resolveThreadModule({ module: new URL('https://example.com/resize.js') })).toThrow(
      /^handler\.module must be a file: URL, got "https:\/\/example\.com\/resize\.js"$/,
    )
    const missing = new URL('./missing-handler.js', THIS_FILE)
    expect(() => resolveThreadModule({ module: missing })).toThrow(
      `handler.module must name an existing file (not found: ${fileURLToPath(missing)})`,
    )
    expect(() => resolveThreadModule({ module: THIS_FILE, exportName: 3 })).toThrow(
      'handler.exportName must be a non-empty string, got 3',
    )
    expect(() => resolveThreadModule({ module: THIS_FILE, name: 'x' })).toThrow(
      /^handler\.name is not a known option \(known: module, exportName\)/,
    )
  })
})
