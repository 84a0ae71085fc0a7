#!/usr/bin/env node
// Checks the alert rules and the Grafana dashboard of @durabl/metrics against a real Prometheus.
//
//   node packages/metrics/scripts/check-observability.mjs [--duration 150] [--render] [--keep]
//       [--dashboard grafana/durabl-dashboard.json] [--rules prometheus/durabl-alerts.yml]
//
// 1. `promtool check rules prometheus/durabl-alerts.yml`, and a lint of the dashboard JSON.
// 2. Starts the built example app (apps/example, in-process MongoDB) and a throwaway Prometheus that
//    scrapes its /metrics every second and loads the alert rules; sends sign-ups for --duration
//    seconds (a steady rate with bursts).
// 3. Alert rules: Prometheus loaded and evaluated each without error; each expression parses; each
//    operand of the expression, without its threshold, returns series; every metric exists.
// 4. Dashboard: the template variable queries return values; every target's expression (variables
//    filled in as Grafana would: queue=example, type=All, $__rate_interval from the panel width)
//    parses as an instant and a range query and returns series; the targets over metrics the
//    example moves return non-zero data; legends name real labels and are unique; units fit.
// --render also writes grafana/dashboard-preview.png from the same data (render-dashboard.mjs).
// --keep leaves everything running until Ctrl-C, to explore in Prometheus' UI.
//
// Exits 1 when a check fails. Without promtool/prometheus (Debian: apt-get install prometheus) it
// prints "skipped: …" and exits 0. Needs `pnpm build` first (it runs apps/example/dist/main.js).
import { relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import {
  grafanaIntervals,
  interpolate,
  legendLabels,
  legendName,
  lintDashboard,
  loadDashboard,
  metricNames,
  queryPanels,
  unitFor,
} from './lib/dashboard.mjs'
import { historyNeededSeconds, outerFunction, setOperands, withoutThreshold } from './lib/promql.mjs'
import {
  DASHBOARD_PATH,
  driveLoad,
  findExecutable,
  PACKAGE_DIR,
  promLabelValues,
  promQuery,
  promQueryRange,
  promRules,
  REPO_ROOT,
  RULES_PATH,
  run,
  startStack,
  stopOnSignals,
} from './lib/stack.mjs'

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '150' },
    render: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    dashboard: { type: 'string', default: DASHBOARD_PATH },
    rules: { type: 'string', default: RULES_PATH },
  },
})
const dashboardPath = resolve(args.dashboard)
const rulesPath = resolve(args.rules)
const durationSeconds = Number(args.duration)
if (!Number.isFinite(durationSeconds) || durationSeconds < 20) {
  console.error(`--duration must be a number of seconds ≥ 20, got ${args.duration}`)
  process.exit(2)
}

/** Metrics the example app moves under load; targets reading only these must show non-zero data. */
const ACTIVE_METRICS = new Set([
  'durabl_jobs_enqueued_total',
  'durabl_jobs_completed_total',
  'durabl_jobs_retried_total',
  'durabl_job_wait_seconds',
  'durabl_job_duration_seconds',
  'durabl_jobs',
  'durabl_jobs_due',
  'durabl_oldest_due_job_age_seconds',
  'durabl_worker_slots_in_use',
  'durabl_worker_slots_limit',
  'durabl_worker_instance_slots_limit',
])
/** What the example sets the dashboard variables to: the queue it instruments, every job type. */
const VARIABLES = { queue: 'example', type: '.*', datasource: 'prometheus' }
const GRID_WIDTH_PX = 1568
const PER_SECOND_UNITS = ['ops', 'reqps', 'rps', 'wps', 'iops', 'cps', 'Bps', 'bps', 'binBps']
const TIME_UNITS = ['s', 'ms', 'µs', 'ns', 'dtdurations', 'dtdurationms']
const RATIO_UNITS = ['percentunit', 'percent']
const COUNT_UNITS = ['short', 'none', 'locale', 'sishort']

const baseName = (name) => name.replace(/_(bucket|count|sum)$/, '')
const rel = (path) => relative(REPO_ROOT, path)

let failures = 0
let warnings = 0
const line = (text = '') => console.log(text)
const ok = (text) => line(`  ok    ${text}`)
const fail = (text) => {
  failures += 1
  line(`  FAIL  ${text}`)
}
const warn = (text) => {
  warnings += 1
  line(`  warn  ${text}`)
}
const info = (text) => line(`        ${text}`)
const log = (text) => line(`  ..    ${text}`)

const promtool = findExecutable('promtool')
const prometheusPath = findExecutable('prometheus')
if (!promtool || !prometheusPath) {
  const missing = [!promtool && 'promtool', !prometheusPath && 'prometheus'].filter(Boolean).join(' and ')
  console.log(`skipped: ${missing} not found on PATH (Debian/Ubuntu: apt-get install -y prometheus)`)
  process.exit(0)
}

line(`durabl observability check (${rel(PACKAGE_DIR)})`)

// 1. Static checks ------------------------------------------------------------------------------
line(`\npromtool check rules ${rel(rulesPath)}`)
const promtoolVersion = (await run(promtool, ['--version'])).output.split('\n')[0]
const checked = await run(promtool, ['check', 'rules', rulesPath])
const ruleCount = Number(/(\d+) rules found/.exec(checked.output)?.[1] ?? 0)
if (checked.code === 0) ok(`${promtoolVersion}: SUCCESS, ${ruleCount} rules`)
else fail(`exit ${checked.code}\n${checked.output.replace(/^/gm, '        | ')}`)

line(`\ndashboard lint ${rel(dashboardPath)}`)
const dashboard = await loadDashboard(dashboardPath)
const panels = queryPanels(dashboard)
const problems = lintDashboard(dashboard)
for (const problem of problems) fail(problem)
if (problems.length === 0) {
  ok(
    `${panels.length} panels, ${panels.reduce((sum, panel) => sum + (panel.targets?.length ?? 0), 0)} targets`,
  )
}

// 2. A real Prometheus scraping the example app under load -----------------------------------------
line('\nstarting the example app and Prometheus')
let stack
stopOnSignals(() => stack)
try {
  stack = await startStack({ prometheusPath, rulesFile: rulesPath, log })
} catch (error) {
  fail(`could not start: ${error.message}`)
  process.exit(1)
}
const { promUrl, scrapeIntervalSeconds } = stack
let exitCode = 1
try {
  log(`sending sign-ups for ${durationSeconds} s`)
  const load = await driveLoad({ appUrl: stack.appUrl, durationSeconds, log })
  // Two more scrapes and rule evaluations, so the last state is in.
  await new Promise((done) => setTimeout(done, 3000 * scrapeIntervalSeconds))
  const start = Math.floor(load.startMs / 1000) - 10
  const end = Math.ceil(Date.now() / 1000)
  const rangeSeconds = end - start
  const loadText = `${load.accepted} sign-ups accepted in ${Math.round((load.endMs - load.startMs) / 1000)} s`
  if (load.failed > 0) fail(`${loadText}, ${load.failed} failed: ${load.errors.join(', ')}`)
  else ok(loadText)

  // 3. Alert rules ---------------------------------------------------------------------------------
  line(`\nalert rules, loaded into Prometheus (evaluated every ${scrapeIntervalSeconds} s)`)
  const rules = (await promRules(promUrl)).filter((rule) => rule.type === 'alerting')
  if (rules.length !== ruleCount)
    fail(`Prometheus loaded ${rules.length} alerting rules, promtool saw ${ruleCount}`)
  const knownMetrics = new Set()
  for (const rule of rules) {
    const header = `${rule.name}`
    const issues = []
    if (rule.health !== 'ok') issues.push(`health ${rule.health}: ${rule.lastError}`)
    const instant = await promQuery(promUrl, rule.query, end)
    if (!instant.ok) issues.push(`does not run: ${instant.error}`)
    for (const metric of metricNames(rule.query)) {
      if (knownMetrics.has(metric)) continue
      const found = await promQuery(promUrl, `count({__name__="${metric}"})`, end)
      if (found.ok && found.data.result.length > 0) knownMetrics.add(metric)
      else issues.push(`no series named ${metric}`)
    }
    const operandReports = []
    for (const operand of setOperands(rule.query)) {
      const bare = withoutThreshold(operand)
      if (outerFunction(bare) === 'absent') {
        operandReports.push(`${short(bare)} → (absent(): empty while metrics exist)`)
        continue
      }
      const result = await promQuery(promUrl, bare, end)
      const series = result.ok ? result.data.result : []
      const needs = historyNeededSeconds(bare, scrapeIntervalSeconds)
      if (!result.ok) issues.push(`operand does not run: ${result.error}`)
      else if (series.length === 0 && needs > rangeSeconds) {
        warn(`${rule.name}: ${short(bare)} needs ≥ ${needs} s of history, this run has ${rangeSeconds} s`)
      } else if (series.length === 0) issues.push(`returns no series: ${short(bare)}`)
      operandReports.push(`${short(bare)} → ${series.length} series${valuesText(series)}`)
    }
    const firing = instant.ok ? instant.data.result.length : 0
    const status = `state ${rule.state}, condition true for ${firing} series`
    if (issues.length) fail(`${header}: ${issues.join('; ')}`)
    else ok(`${header.padEnd(30)} ${status}`)
    for (const report of operandReports) info(`  ${report}`)
  }

  // 4. Dashboard -------------------------------------------------------------------------------------
  line(
    `\ndashboard variables (${Object.entries(VARIABLES)
      .map(([name, value]) => `${name}=${value}`)
      .join(', ')})`,
  )
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== 'query') continue
    const definition = variable.definition ?? variable.query?.query ?? variable.query
    const match = /^label_values\((?:(.+),\s*)?(\w+)\)$/.exec(definition)
    if (!match) {
      warn(`$${variable.name}: cannot run "${definition}" (only label_values(…) is checked)`)
      continue
    }
    const selector = match[1]
      ? interpolate(match[1], VARIABLES, { intervalSeconds: 1, rateIntervalSeconds: 4 })
      : null
    const result = await promLabelValues(promUrl, match[2], selector?.expr, start, end)
    if (result.ok && result.values.length > 0)
      ok(`$${variable.name}: ${definition} → ${result.values.join(', ')}`)
    else fail(`$${variable.name}: ${definition} → no values${result.error ? ` (${result.error})` : ''}`)
  }

  line('\ndashboard panels (instant and range queries over the load window)')
  for (const panel of panels) {
    const widthPx = Math.round((panel.gridPos.w / 24) * GRID_WIDTH_PX)
    const intervals = {
      ...grafanaIntervals({
        rangeSeconds,
        maxDataPoints: panel.maxDataPoints ?? widthPx,
        scrapeIntervalSeconds,
      }),
      rangeSeconds,
    }
    line(
      `  [${panel.id}] ${panel.title}  (unit ${panel.fieldConfig?.defaults?.unit ?? 'none'}, $__rate_interval=${intervals.rateIntervalSeconds}s, step ${intervals.stepSeconds}s)`,
    )
    const names = new Map()
    for (const target of panel.targets ?? []) {
      const label = `${target.refId}`
      const { expr, unknown } = interpolate(target.expr, VARIABLES, intervals)
      const issues = []
      if (unknown.length) issues.push(`unknown variables: ${unknown.map((name) => `$${name}`).join(', ')}`)
      const instant = await promQuery(promUrl, expr, end)
      if (!instant.ok) issues.push(`instant query fails: ${instant.error}`)
      const range = await promQueryRange(promUrl, expr, start, end, intervals.stepSeconds)
      if (!range.ok) issues.push(`range query fails: ${range.error}`)
      const series = range.ok ? range.data.result : []
      const metrics = metricNames(target.expr).map(baseName)
      const wantsNonZero = metrics.length > 0 && metrics.every((metric) => ACTIVE_METRICS.has(metric))
      const points = series.flatMap((entry) => entry.values.map(([, value]) => Number(value)))
      const finite = points.filter(Number.isFinite)
      const max = finite.length ? Math.max(...finite.map(Math.abs)) : Number.NaN
      if (range.ok && series.length === 0) issues.push('returns no series')
      else if (range.ok && wantsNonZero && !(max > 0))
        issues.push('returns only zeros/NaN, but the example moves these metrics')
      for (const labelName of legendLabels(target.legendFormat)) {
        const without = series.filter((entry) => !(labelName in entry.metric))
        if (without.length)
          issues.push(`legend uses {{${labelName}}} but ${without.length} series have no such label`)
      }
      const displayNames = series.map((entry) => legendName(target.legendFormat, entry.metric, expr))
      const duplicates = new Set()
      for (const name of displayNames) {
        if (names.has(name)) duplicates.add(`"${name}" (also ${names.get(name)})`)
        names.set(name, target.refId)
      }
      if (duplicates.size) issues.push(`legend names repeat: ${[...duplicates].join(', ')}`)
      const expected = expectedUnits(target.expr)
      const wrongUnits = new Set(
        displayNames.map((name) => unitFor(panel, name)).filter((unit) => !expected?.units.includes(unit)),
      )
      if (expected && wrongUnits.size) {
        issues.push(
          `unit ${[...wrongUnits].join(', ')}, but ${expected.why}: expected one of ${expected.units.join(', ')}`,
        )
      }
      const summary = `${series.length} series, ${finite.length}/${points.length} finite points, max ${Number.isFinite(max) ? round(max) : 'n/a'}`
      if (issues.length) fail(`${label}: ${issues.join('; ')}\n          ${expr}`)
      else ok(`${label}: ${summary}${wantsNonZero ? '' : ' (zero allowed: the example never moves these)'}`)
      info(`   ${[...new Set(displayNames)].join(', ')}`)
    }
  }

  if (args.render) {
    line('\nrendering the preview')
    const { renderDashboard } = await import('./render-dashboard.mjs')
    const result = await renderDashboard({
      dashboard,
      promUrl,
      start,
      end,
      scrapeIntervalSeconds,
      prometheusVersion: stack.prometheusVersion,
      log,
    })
    ok(`${rel(result.png)}: ${result.width}×${result.height}, ${Math.round(result.bytes / 1024)} KB`)
  }

  line(`\n${failures === 0 ? 'PASS' : 'FAIL'}: ${failures} failure(s), ${warnings} warning(s)`)
  exitCode = failures === 0 ? 0 : 1
  if (args.keep) {
    line(
      `\n--keep: Prometheus ${promUrl}, example app ${stack.appUrl}, load window --start ${start} --end ${end}.`,
    )
    line('Ctrl-C stops both.')
    await new Promise(() => {})
  }
} catch (error) {
  fail(`unexpected error: ${error.stack ?? error}`)
} finally {
  if (!args.keep) await stack.stop()
}
process.exit(exitCode)

function short(expr) {
  const flat = expr.replace(/\s+/g, ' ').trim()
  return flat.length > 110 ? `${flat.slice(0, 107)}…` : flat
}

function round(value) {
  return Math.abs(value) >= 100 ? Math.round(value) : Number(value.toPrecision(3))
}

function valuesText(series) {
  if (series.length === 0) return ''
  const values = series.map((entry) => Number(entry.value[1]))
  const finite = values.filter(Number.isFinite)
  if (finite.length === 0) return ' (NaN)'
  return ` (${round(Math.min(...finite))}…${round(Math.max(...finite))})`
}

/** The units an expression's result calls for, judged from its outer shape. */
function expectedUnits(expr) {
  const flat = expr.replace(/\s+/g, ' ')
  if (/histogram_quantile\(/.test(flat) && /_seconds_bucket/.test(flat)) {
    return { units: TIME_UNITS, why: 'it is a quantile of a seconds histogram' }
  }
  if (/\brate\(/.test(flat) && /\)\s*\/\s*\(?\s*sum/.test(flat)) {
    return { units: [...RATIO_UNITS, 'none'], why: 'it is a ratio of rates' }
  }
  if (/\b(rate|irate)\(/.test(flat)) return { units: PER_SECOND_UNITS, why: 'it is a per-second rate' }
  if (/\bincrease\(/.test(flat)) return { units: COUNT_UNITS, why: 'it is a count (increase)' }
  if (/_seconds\b/.test(flat)) return { units: TIME_UNITS, why: 'it reads a seconds gauge' }
  if (/\bdurabl_/.test(flat)) return { units: COUNT_UNITS, why: 'it reads a count gauge' }
  return null
}
