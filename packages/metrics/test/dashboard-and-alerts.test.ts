import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { METRIC_NAMES } from '../src/prometheus/metric-names.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
/** Grafana's reference to the `datasource` variable. */
const DATASOURCE_VARIABLE = ['$', '{datasource}'].join('')
const HISTOGRAMS: string[] = [
  METRIC_NAMES.jobWaitSeconds,
  METRIC_NAMES.jobDurationSeconds,
  METRIC_NAMES.scheduleLagSeconds,
]
const KNOWN = new Set<string>([
  ...Object.values(METRIC_NAMES),
  ...HISTOGRAMS.flatMap((name) => [`${name}_bucket`, `${name}_count`, `${name}_sum`]),
])

/** Every `durabl_…` metric name a text mentions. */
function metricNamesIn(text: string): string[] {
  return [...new Set([...text.matchAll(/\bdurabl_[a-z_]+/g)].map((match) => match[0]))]
}

describe('grafana/durabl-dashboard.json', () => {
  const text = readFileSync(resolve(ROOT, 'grafana/durabl-dashboard.json'), 'utf8')
  const dashboard = JSON.parse(text) as {
    templating: { list: Array<{ name: string; type: string }> }
    panels: Array<{ type: string; title: string; targets?: Array<{ expr: string }> }>
  }

  it('queries only metrics this package exports', () => {
    const unknown = metricNamesIn(text).filter((name) => !KNOWN.has(name))
    expect(unknown).toEqual([])
  })

  it('has datasource, queue and type variables, and every query uses the datasource variable', () => {
    expect(dashboard.templating.list.map(({ name, type }) => `${name}:${type}`)).toEqual([
      'datasource:datasource',
      'queue:query',
      'type:query',
    ])
    for (const panel of dashboard.panels.filter((candidate) => candidate.type !== 'row')) {
      expect(JSON.stringify(panel.targets)).toContain(DATASOURCE_VARIABLE)
      for (const target of panel.targets ?? []) expect(target.expr).toMatch(/queue=~"\$queue"/)
    }
  })

  it('uses histogram_quantile for latency panels', () => {
    const latency = dashboard.panels.filter((panel) => /Wait time|Run duration/.test(panel.title))
    expect(latency).toHaveLength(2)
    for (const panel of latency) {
      for (const target of panel.targets ?? [])
        expect(target.expr).toMatch(/^histogram_quantile\(0\.\d+, sum by \(le/)
    }
  })
})

/** `promtool` from a Prometheus install, when this machine has one. */
function findPromtool(): string | null {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' })
    return 'promtool'
  } catch {
    return null
  }
}
const promtool = findPromtool()

describe.each(['prometheus/durabl-alerts.yml', 'prometheus/durabl-schedules.rules.yml'])('%s', (file) => {
  const text = readFileSync(resolve(ROOT, file), 'utf8')

  it('refers only to metrics this package exports', () => {
    const unknown = metricNamesIn(text).filter((name) => !KNOWN.has(name))
    expect(unknown).toEqual([])
  })

  it('gives every alert an expression, a for: duration, a severity and a description', () => {
    // A structural check without a YAML parser: the rules are one flat list with fixed indentation.
    const rules = text.split(/^ {6}- alert: /m).slice(1)
    expect(rules.length).toBeGreaterThanOrEqual(3)
    for (const rule of rules) {
      const name = rule.split('\n', 1)[0]
      expect(name, 'alert name').toMatch(/^Durabl[A-Za-z]+$/)
      expect(rule, `${name} expr`).toMatch(/^ {8}expr: /m)
      expect(rule, `${name} for`).toMatch(/^ {8}for: \d+m$/m)
      expect(rule, `${name} severity`).toMatch(/^ {10}severity: (info|warning|critical)$/m)
      expect(rule, `${name} description`).toMatch(/^ {10}description: \|$/m)
    }
    expect(text).not.toMatch(/\t/)
  })
})

describe('prometheus/durabl-schedules.rules.yml with promtool', () => {
  // Skipped (and reported as skipped) where Prometheus is not installed.
  it.skipIf(promtool === null)('passes promtool check rules and its unit tests', () => {
    const run = (args: string[]) => execFileSync(promtool as string, args, { cwd: ROOT, encoding: 'utf8' })
    expect(run(['check', 'rules', 'prometheus/durabl-schedules.rules.yml'])).toContain(
      'SUCCESS: 3 rules found',
    )
    expect(run(['test', 'rules', 'test/prometheus/durabl-schedules.rules.test.yml'])).toContain('SUCCESS')
  })
})
