import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src')

/** Every bare (package) import reachable from `entry` through relative imports, test files excluded. */
function packagesImportedFrom(entry: string): Set<string> {
  const seen = new Set<string>()
  const packages = new Set<string>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    const source = readFileSync(file, 'utf8')
    for (const match of source.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)) {
      const specifier = match[1] as string
      if (specifier.startsWith('.')) visit(join(dirname(file), specifier.replace(/\.js$/, '.ts')))
      else packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier)
    }
  }
  visit(join(SRC, entry))
  return packages
}

describe('entry points import only their own peer', () => {
  it('@durabl/metrics/prometheus needs prom-client, not @opentelemetry/api', () => {
    const imported = packagesImportedFrom('prometheus/index.ts')
    expect(imported).toContain('prom-client')
    expect(imported).not.toContain('@opentelemetry/api')
  })

  it('@durabl/metrics/tracing needs @opentelemetry/api, not prom-client', () => {
    const imported = packagesImportedFrom('tracing/index.ts')
    expect(imported).toContain('@opentelemetry/api')
    expect(imported).not.toContain('prom-client')
  })

  it('runtime code never imports an OpenTelemetry SDK or the semantic-conventions package', () => {
    const imported = packagesImportedFrom('index.ts')
    const otel = [...imported].filter((name) => name.startsWith('@opentelemetry/'))
    expect(otel).toEqual(['@opentelemetry/api'])
    expect([...imported].sort()).toEqual(
      ['@durabl/core', '@opentelemetry/api', 'node:crypto', 'node:http', 'node:net', 'prom-client'].sort(),
    )
  })
})
