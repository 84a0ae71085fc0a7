// Reading the Grafana dashboard JSON the way Grafana does, as far as the scripts need it:
// panels (rows included), template variables, interval variables and legend names.
import { readFile } from 'node:fs/promises'
import { DASHBOARD_PATH } from './stack.mjs'

export async function loadDashboard(path = DASHBOARD_PATH) {
  return JSON.parse(await readFile(path, 'utf8'))
}

/** Every panel in grid order, rows included, with the panels of collapsed rows after their row. */
export function allPanels(dashboard) {
  const panels = []
  for (const panel of dashboard.panels ?? []) {
    panels.push(panel)
    if (panel.type === 'row' && panel.collapsed) panels.push(...(panel.panels ?? []))
  }
  return panels
}

/** Panels that run queries (everything but rows). */
export function queryPanels(dashboard) {
  return allPanels(dashboard).filter((panel) => panel.type !== 'row')
}

const NICE_INTERVALS_MS = [
  10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 20_000, 30_000, 60_000, 120_000, 300_000,
  600_000, 900_000, 1_200_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000,
  86_400_000,
]

/**
 * Grafana's interval variables for a panel: `$__interval` is the range over the panel's data points
 * (its width in pixels), rounded to a nice value and at least the data source's scrape interval;
 * `$__rate_interval` is max($__interval + scrape interval, 4 × scrape interval).
 */
export function grafanaIntervals({ rangeSeconds, maxDataPoints, scrapeIntervalSeconds }) {
  const rawMs = (rangeSeconds * 1000) / Math.max(1, maxDataPoints)
  const rounded = NICE_INTERVALS_MS.find((nice) => nice >= rawMs) ?? NICE_INTERVALS_MS.at(-1)
  const intervalSeconds = Math.max(rounded / 1000, scrapeIntervalSeconds)
  const rateIntervalSeconds = Math.max(intervalSeconds + scrapeIntervalSeconds, 4 * scrapeIntervalSeconds)
  return { intervalSeconds, rateIntervalSeconds, stepSeconds: intervalSeconds }
}

const durationText = (seconds) =>
  seconds % 3600 === 0 ? `${seconds / 3600}h` : seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`

/**
 * Replaces template and interval variables in `expr`. `variables` maps a name to a string, or to an
 * array of values (a multi-value selection, written as a regex alternation as Grafana does for
 * Prometheus). Returns the expression and the names it used that `variables` does not define.
 */
export function interpolate(expr, variables, intervals) {
  const builtins = {
    __interval: durationText(intervals.intervalSeconds),
    __interval_ms: String(intervals.intervalSeconds * 1000),
    __rate_interval: durationText(intervals.rateIntervalSeconds),
    __range: durationText(intervals.rangeSeconds),
    __range_s: String(intervals.rangeSeconds),
  }
  const unknown = []
  const text = expr.replace(
    /\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)/g,
    (match, braced, bracketed, plain) => {
      const name = braced ?? bracketed ?? plain
      if (name in builtins) return builtins[name]
      if (!(name in variables)) {
        unknown.push(name)
        return match
      }
      const value = variables[name]
      return Array.isArray(value) ? (value.length === 1 ? value[0] : `(${value.join('|')})`) : value
    },
  )
  return { expr: text, unknown }
}

/** The display name Grafana gives a series: the legend format with `{{label}}` filled in. */
export function legendName(legendFormat, labels, expr) {
  if (legendFormat && legendFormat !== '__auto') {
    return legendFormat.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, label) => labels[label] ?? '')
  }
  const { __name__: name = '', ...rest } = labels
  const pairs = Object.entries(rest).map(([key, value]) => `${key}="${value}"`)
  if (!name && pairs.length === 0) return expr
  return `${name}${pairs.length ? `{${pairs.join(', ')}}` : ''}`
}

/** Labels a legend format refers to (`{{type}}` → `type`). */
export function legendLabels(legendFormat) {
  return [...(legendFormat ?? '').matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((match) => match[1])
}

/** durabl metric names an expression reads, without the histogram suffixes. */
export function metricNames(expr) {
  return [...new Set([...expr.matchAll(/\bdurabl_[a-z_]+/g)].map((match) => match[0]))]
}

/** How every panel names its data source: the dashboard's `datasource` variable. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JS template
const DATASOURCE_VARIABLE = '${datasource}'

/** Structural problems Grafana would not flag: bad grid positions, overlaps, duplicate ids, missing units. */
export function lintDashboard(dashboard) {
  const problems = []
  const ids = new Map()
  const cells = new Map()
  for (const panel of allPanels(dashboard)) {
    const name = `panel ${panel.id} "${panel.title}"`
    if (ids.has(panel.id)) problems.push(`${name}: id ${panel.id} is also used by "${ids.get(panel.id)}"`)
    ids.set(panel.id, panel.title)
    const grid = panel.gridPos
    if (!grid || ![grid.x, grid.y, grid.w, grid.h].every(Number.isInteger)) {
      problems.push(`${name}: gridPos must have integer x, y, w, h`)
      continue
    }
    if (grid.x < 0 || grid.w < 1 || grid.x + grid.w > 24)
      problems.push(`${name}: gridPos is outside the 24 columns`)
    for (let y = grid.y; y < grid.y + grid.h; y++) {
      for (let x = grid.x; x < grid.x + grid.w; x++) {
        const key = `${x},${y}`
        if (cells.has(key)) {
          problems.push(`${name}: overlaps "${cells.get(key)}" at column ${x}, row ${y}`)
          y = Number.POSITIVE_INFINITY
          break
        }
        cells.set(key, panel.title)
      }
    }
    if (panel.type === 'row') continue
    if (!panel.fieldConfig?.defaults?.unit) problems.push(`${name}: no unit (fieldConfig.defaults.unit)`)
    if (panel.datasource?.uid !== DATASOURCE_VARIABLE) {
      problems.push(`${name}: the data source is not the dashboard's \${datasource} variable`)
    }
    const refIds = new Set()
    for (const target of panel.targets ?? []) {
      if (!target.expr) problems.push(`${name}: target ${target.refId} has no expr`)
      if (refIds.has(target.refId)) problems.push(`${name}: refId ${target.refId} is used twice`)
      refIds.add(target.refId)
      if (!target.legendFormat) problems.push(`${name}: target ${target.refId} has no legendFormat`)
    }
    if (!panel.targets?.length) problems.push(`${name}: no targets`)
  }
  return problems
}

/** The unit Grafana shows a series with: an override matching its name, else the panel default. */
export function unitFor(panel, displayName) {
  let unit = panel.fieldConfig?.defaults?.unit ?? 'none'
  for (const override of panel.fieldConfig?.overrides ?? []) {
    if (!matchesField(override.matcher, displayName)) continue
    for (const property of override.properties ?? []) if (property.id === 'unit') unit = property.value
  }
  return unit
}

/** Grafana's byName / byRegexp matchers (a pattern not written as /…/ is anchored). */
export function matchesField(matcher, displayName) {
  if (matcher?.id === 'byName') return matcher.options === displayName
  if (matcher?.id === 'byRegexp') {
    const slashed = /^\/(.*)\/([a-z]*)$/.exec(matcher.options)
    const regex = slashed ? new RegExp(slashed[1], slashed[2]) : new RegExp(`^${matcher.options}$`)
    return regex.test(displayName)
  }
  return false
}
