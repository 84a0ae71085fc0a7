#!/usr/bin/env node
// Renders a preview of grafana/durabl-dashboard.json with real data, without Grafana: each panel's
// queries run as query_range against Prometheus, the panels are laid out by their gridPos on
// Grafana's 24-column grid as static HTML with hand-drawn SVG charts (dark theme), and headless
// Chromium takes the screenshot. It is a faithful sketch, not a Grafana screenshot.
//
//   node packages/metrics/scripts/render-dashboard.mjs [--duration 150] [--out grafana/dashboard-preview.png]
//       starts the example app and a throwaway Prometheus, sends sign-ups, then renders
//   node packages/metrics/scripts/render-dashboard.mjs --prometheus http://127.0.0.1:9090 --start <unix s> --end <unix s>
//       renders from a Prometheus that already has durabl data (queue label from --queue)
//
// Options: --queue (default example), --scrape-interval (the data source's scrape interval, for
// $__rate_interval; default 1), --html <path> keeps the HTML page. Needs chromium (apt-get install
// chromium) and, without --prometheus, prometheus and `pnpm build`.
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import {
  grafanaIntervals,
  interpolate,
  legendName,
  loadDashboard,
  matchesField,
  unitFor,
} from './lib/dashboard.mjs'
import {
  driveLoad,
  findExecutable,
  PREVIEW_PATH,
  promQueryRange,
  REPO_ROOT,
  run,
  startStack,
  stopOnSignals,
} from './lib/stack.mjs'

// Grafana's layout constants (react-grid-layout): 30 px rows, 8 px gaps, 24 columns.
const VIEWPORT_WIDTH = 1600
const PAGE_PADDING = 16
const GRID_WIDTH = VIEWPORT_WIDTH - 2 * PAGE_PADDING
const ROW_HEIGHT = 30
const GAP = 8
const COLUMN_WIDTH = (GRID_WIDTH - GAP * 23) / 24
const HEADER_HEIGHT = 104
const FOOTER_HEIGHT = 36
// Grafana's classic palette, in order.
const PALETTE = [
  '#73BF69',
  '#F2CC0C',
  '#8AB8FF',
  '#FF780A',
  '#F2495C',
  '#5794F2',
  '#B877D9',
  '#705DA0',
  '#37872D',
  '#FADE2A',
  '#447EBC',
  '#C15C17',
]
const FONT = "Inter, 'Helvetica Neue', 'Liberation Sans', Arial, sans-serif"

/**
 * Queries every panel of `dashboard` over [start, end] and writes the preview PNG.
 * Returns `{ png, html, width, height, bytes }`.
 */
export async function renderDashboard({
  dashboard,
  promUrl,
  start,
  end,
  scrapeIntervalSeconds = 1,
  variables = { queue: 'example', type: '.*' },
  variableLabels = { datasource: 'Prometheus', queue: 'example', type: 'All' },
  prometheusVersion = 'unknown',
  out = PREVIEW_PATH,
  htmlOut,
  log = () => {},
}) {
  const chromium = findExecutable('chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable')
  if (!chromium) throw new Error('chromium is not on PATH (Debian: apt-get install -y chromium)')
  const rangeSeconds = end - start
  // Top-level panels only: the panels of a collapsed row are hidden until it is opened.
  const panels = dashboard.panels ?? []
  const rendered = []
  for (const panel of panels) {
    const box = boxOf(panel.gridPos)
    if (panel.type === 'row') {
      rendered.push(rowHtml(panel, box))
      continue
    }
    const intervals = {
      ...grafanaIntervals({
        rangeSeconds,
        maxDataPoints: panel.maxDataPoints ?? Math.round(box.width),
        scrapeIntervalSeconds,
      }),
      rangeSeconds,
    }
    const series = []
    const errors = []
    for (const target of panel.targets ?? []) {
      if (target.hide) continue
      const { expr } = interpolate(target.expr, variables, intervals)
      const result = await promQueryRange(promUrl, expr, start, end, intervals.stepSeconds)
      if (!result.ok) {
        errors.push(`${target.refId}: ${result.error}`)
        continue
      }
      for (const entry of result.data.result) {
        series.push({
          name: legendName(target.legendFormat, entry.metric, expr),
          points: entry.values.map(([time, value]) => [Number(time), Number(value)]),
        })
      }
    }
    series.sort((a, b) => a.name.localeCompare(b.name, 'en'))
    log(
      `panel ${panel.id} "${panel.title}": ${series.length} series${errors.length ? `, errors: ${errors.join('; ')}` : ''}`,
    )
    rendered.push(panelHtml(panel, box, series, errors, { start, end, stepSeconds: intervals.stepSeconds }))
  }

  const gridBottom = Math.max(
    ...panels.map((panel) => boxOf(panel.gridPos).top + boxOf(panel.gridPos).height),
  )
  const height = Math.ceil(HEADER_HEIGHT + gridBottom + FOOTER_HEIGHT + PAGE_PADDING)
  const html = pageHtml({
    dashboard,
    body: rendered.join('\n'),
    height,
    gridHeight: gridBottom,
    start,
    end,
    variableLabels,
    prometheusVersion,
    scrapeIntervalSeconds,
  })

  const work = await mkdtemp(join(tmpdir(), 'durabl-render-'))
  try {
    const htmlPath = htmlOut ? resolve(htmlOut) : join(work, 'dashboard.html')
    await writeFile(htmlPath, html)
    const png = resolve(out)
    const result = await run(chromium, [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--hide-scrollbars',
      '--force-device-scale-factor=1',
      `--user-data-dir=${join(work, 'profile')}`,
      `--screenshot=${png}`,
      `--window-size=${VIEWPORT_WIDTH},${height}`,
      pathToFileURL(htmlPath).href,
    ])
    const bytes = await stat(png).then(
      (info) => info.size,
      () => 0,
    )
    if (result.code !== 0 || bytes === 0) {
      throw new Error(`chromium failed (exit ${result.code}):\n${result.output.slice(-2000)}`)
    }
    return { png, html: htmlOut ? htmlPath : undefined, width: VIEWPORT_WIDTH, height, bytes }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

// Layout ------------------------------------------------------------------------------------------

function boxOf(grid) {
  return {
    left: grid.x * (COLUMN_WIDTH + GAP),
    top: grid.y * (ROW_HEIGHT + GAP),
    width: grid.w * COLUMN_WIDTH + (grid.w - 1) * GAP,
    height: grid.h * ROW_HEIGHT + (grid.h - 1) * GAP,
  }
}

const esc = (text) =>
  String(text).replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char],
  )
const px = (value) => `${Math.round(value * 10) / 10}px`
const positioned = (box) =>
  `left:${px(box.left)};top:${px(box.top)};width:${px(box.width)};height:${px(box.height)}`

function rowHtml(panel, box) {
  return `<div class="row" style="${positioned(box)}"><span class="chevron">${panel.collapsed ? '›' : '⌄'}</span>${esc(panel.title)}</div>`
}

/** The per-series settings Grafana would apply: color, unit, axis side, line style, fill. */
function seriesStyle(panel, name, index) {
  const custom = panel.fieldConfig?.defaults?.custom ?? {}
  const style = {
    color: PALETTE[index % PALETTE.length],
    unit: unitFor(panel, name),
    axis: custom.axisPlacement === 'right' ? 'right' : 'left',
    lineWidth: custom.lineWidth ?? 1,
    fillOpacity: custom.fillOpacity ?? 0,
    dash: custom.lineStyle?.fill === 'dash' ? custom.lineStyle.dash : null,
  }
  const fixed = panel.fieldConfig?.defaults?.color
  if (fixed?.mode === 'fixed' && fixed.fixedColor) style.color = fixed.fixedColor
  for (const override of panel.fieldConfig?.overrides ?? []) {
    if (!matchesField(override.matcher, name)) continue
    for (const { id, value } of override.properties ?? []) {
      if (id === 'custom.axisPlacement') style.axis = value === 'right' ? 'right' : 'left'
      else if (id === 'custom.lineStyle')
        style.dash = value?.fill === 'dash' ? (value.dash ?? [10, 10]) : null
      else if (id === 'custom.fillOpacity') style.fillOpacity = value
      else if (id === 'custom.lineWidth') style.lineWidth = value
      else if (id === 'color' && value?.fixedColor) style.color = value.fixedColor
    }
  }
  return style
}

/** Legend rows for a bottom list legend: items wrap like inline flex items. */
function legendLayout(names, width) {
  let rows = names.length ? 1 : 0
  let used = 0
  for (const name of names) {
    const itemWidth = 14 + 6 + textWidth(name, 12) + 16
    if (used > 0 && used + itemWidth > width) {
      rows += 1
      used = 0
    }
    used += itemWidth
  }
  return rows
}

/** Rough text width for the sans-serif font at `size` px (no DOM to measure with). */
function textWidth(text, size) {
  let units = 0
  for (const char of text)
    units += /[il.,:|!' ]/.test(char) ? 0.3 : /[mwMW@]/.test(char) ? 0.85 : /[A-Z]/.test(char) ? 0.65 : 0.55
  return units * size
}

function panelHtml(panel, box, series, errors, range) {
  const styled = series.map((entry, index) => ({ ...entry, style: seriesStyle(panel, entry.name, index) }))
  const titleHeight = 32
  const padding = 8
  const innerWidth = box.width - 2 * padding
  const legend = panel.options?.legend ?? {}
  const showLegend = panel.type === 'timeseries' && legend.showLegend !== false && styled.length > 0
  const legendRows = showLegend
    ? legendLayout(
        styled.map((entry) => entry.name),
        innerWidth,
      )
    : 0
  const legendHeight = legendRows ? legendRows * 20 + 4 : 0
  const chartHeight = box.height - titleHeight - legendHeight - padding
  const body =
    panel.type === 'stat'
      ? statSvg(panel, styled, innerWidth, chartHeight)
      : timeseriesSvg(panel, styled, innerWidth, chartHeight, range)
  const legendHtml = showLegend
    ? `<div class="legend" style="height:${legendHeight}px">${styled
        .map(
          (entry) =>
            `<span class="item"><span class="swatch" style="border-top:2px ${entry.style.dash ? 'dashed' : 'solid'} ${entry.style.color}"></span>${esc(entry.name)}</span>`,
        )
        .join('')}</div>`
    : ''
  const error = errors.length ? `<span class="error" title="${esc(errors.join('\n'))}">!</span>` : ''
  const info = panel.description ? '<span class="info">i</span>' : ''
  return `<div class="panel" style="${positioned(box)}">
  <div class="title" style="height:${titleHeight}px">${error}${esc(panel.title)}${info}</div>
  <div class="body" style="padding:0 ${padding}px">${body}</div>
  ${legendHtml}
</div>`
}

// Charts --------------------------------------------------------------------------------------------

function timeseriesSvg(panel, series, width, height, { start, end, stepSeconds }) {
  const defaults = panel.fieldConfig?.defaults ?? {}
  const sides = ['left', 'right'].map((side) => {
    const members = series.filter((entry) => entry.style.axis === side)
    const values = members.flatMap((entry) => entry.points.map(([, value]) => value)).filter(Number.isFinite)
    const unit = members[0]?.style.unit ?? defaults.unit ?? 'short'
    const min = defaults.min ?? Math.min(0, ...values)
    let max = defaults.max ?? (values.length ? Math.max(...values) : 1)
    if (max <= min) max = min + (unit === 'percentunit' ? 1 : 1)
    return { side, members, unit, ...niceScale(min, max, Math.max(2, Math.floor(height / 48))) }
  })
  const [left, right] = sides
  const showRight = right.members.length > 0
  const labelsOf = (axis) => axis.ticks.map((tick) => formatValue(axis.unit, tick, axis.step))
  const leftLabels = labelsOf(left)
  const rightLabels = showRight ? labelsOf(right) : []
  const leftWidth = Math.max(...leftLabels.map((label) => textWidth(label, 12))) + 10
  const rightWidth = showRight ? Math.max(...rightLabels.map((label) => textWidth(label, 12))) + 10 : 6
  const plot = { x: leftWidth, y: 6, width: width - leftWidth - rightWidth, height: height - 6 - 22 }
  const xOf = (time) => plot.x + ((time - start) / (end - start)) * plot.width
  const yOf = (axis, value) =>
    plot.y + plot.height - ((value - axis.min) / (axis.max - axis.min)) * plot.height
  const parts = []

  // Grid and axes.
  for (const [index, tick] of left.ticks.entries()) {
    const y = yOf(left, tick)
    parts.push(`<line class="grid" x1="${plot.x}" x2="${plot.x + plot.width}" y1="${y}" y2="${y}"/>`)
    parts.push(
      `<text class="axis" x="${plot.x - 6}" y="${y + 4}" text-anchor="end">${esc(leftLabels[index])}</text>`,
    )
  }
  if (showRight) {
    for (const [index, tick] of right.ticks.entries()) {
      parts.push(
        `<text class="axis" x="${plot.x + plot.width + 6}" y="${yOf(right, tick) + 4}">${esc(rightLabels[index])}</text>`,
      )
    }
  }
  const timeStep = niceTimeStep(end - start, Math.max(2, Math.floor(plot.width / 90)))
  for (let time = Math.ceil(start / timeStep) * timeStep; time <= end; time += timeStep) {
    const x = xOf(time)
    const label = clock(time, timeStep)
    const half = textWidth(label, 12) / 2
    parts.push(`<line class="grid" x1="${x}" x2="${x}" y1="${plot.y}" y2="${plot.y + plot.height}"/>`)
    // Like Grafana, leave out time labels that would run into the value axes.
    if (x - half < plot.x - 4 || x + half > plot.x + plot.width + 4) continue
    parts.push(
      `<text class="axis" x="${x}" y="${plot.y + plot.height + 16}" text-anchor="middle">${label}</text>`,
    )
  }

  // Series: split where points are missing or not finite, so gaps show as gaps.
  for (const entry of series) {
    const axis = entry.style.axis === 'right' && showRight ? right : left
    const segments = []
    let current = []
    let previous = null
    for (const [time, value] of entry.points) {
      const gap = previous !== null && time - previous > stepSeconds * 2.5
      if (!Number.isFinite(value) || gap) {
        if (current.length) segments.push(current)
        current = []
      }
      if (Number.isFinite(value)) {
        const clamped = Math.min(Math.max(value, axis.min), axis.max)
        current.push([xOf(time), yOf(axis, clamped)])
      }
      previous = time
    }
    if (current.length) segments.push(current)
    const { color, lineWidth, fillOpacity, dash } = entry.style
    const base = yOf(axis, Math.max(axis.min, 0))
    for (const segment of segments) {
      const path = segment
        .map(([x, y], index) => `${index ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`)
        .join('')
      if (fillOpacity > 0 && segment.length > 1) {
        const area = `${path}L${segment.at(-1)[0].toFixed(1)},${base}L${segment[0][0].toFixed(1)},${base}Z`
        parts.push(`<path d="${area}" fill="${color}" fill-opacity="${fillOpacity / 100}" stroke="none"/>`)
      }
      const dashAttr = dash ? ` stroke-dasharray="${dash.join(' ')}"` : ''
      if (segment.length === 1) {
        parts.push(`<circle cx="${segment[0][0]}" cy="${segment[0][1]}" r="1.5" fill="${color}"/>`)
      } else {
        parts.push(
          `<path d="${path}" fill="none" stroke="${color}" stroke-width="${lineWidth}" stroke-linejoin="round"${dashAttr}/>`,
        )
      }
    }
  }
  if (series.length === 0) {
    parts.push(`<text class="nodata" x="${width / 2}" y="${height / 2}" text-anchor="middle">No data</text>`)
  }
  return `<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg>`
}

function statSvg(panel, series, width, height) {
  const unit = panel.fieldConfig?.defaults?.unit ?? 'short'
  const values = series.flatMap((entry) =>
    entry.points
      .map(([, value]) => value)
      .filter(Number.isFinite)
      .slice(-1),
  )
  const value = values.length ? values.reduce((a, b) => a + b, 0) : Number.NaN
  const color = series[0]?.style.color ?? PALETTE[0]
  const text = Number.isFinite(value) ? formatValue(unit, value, Math.abs(value) / 100 || 1) : 'No data'
  const size = Math.min(height * 0.45, (width / Math.max(4, text.length)) * 1.6)
  return `<svg width="${width}" height="${height}"><text x="${width / 2}" y="${height / 2 + size / 3}" text-anchor="middle" font-size="${size}" font-weight="500" fill="${color}">${esc(text)}</text></svg>`
}

// Scales and units ----------------------------------------------------------------------------------

function niceScale(min, max, maxTicks) {
  const rawStep = (max - min) / maxTicks
  const magnitude = 10 ** Math.floor(Math.log10(rawStep))
  const step = [1, 2, 2.5, 5, 10]
    .map((factor) => factor * magnitude)
    .find((candidate) => candidate >= rawStep)
  const niceMin = Math.floor(min / step) * step
  const niceMax = Math.ceil(max / step - 1e-9) * step
  const ticks = []
  for (let tick = niceMin; tick <= niceMax + step / 2; tick += step) ticks.push(Number(tick.toPrecision(12)))
  return { min: niceMin, max: niceMax, step, ticks }
}

function niceTimeStep(rangeSeconds, maxTicks) {
  const steps = [
    1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400,
  ]
  return steps.find((step) => rangeSeconds / step <= maxTicks) ?? steps.at(-1)
}

function clock(seconds, step) {
  const text = new Date(seconds * 1000).toISOString().slice(11, 19)
  return step % 60 === 0 ? text.slice(0, 5) : text
}

/** Enough decimals to write every multiple of `step` exactly (0.25 → 2, 5 → 0). */
function decimalsFor(step) {
  if (!(step > 0)) return 0
  for (let decimals = 0; decimals < 6; decimals++) {
    const shifted = step * 10 ** decimals
    if (Math.abs(shifted - Math.round(shifted)) < 1e-6 * shifted) return decimals
  }
  return 6
}

function scaled(value, step, factor, suffixes) {
  let index = 0
  let scaledValue = value
  let scaledStep = step
  while (Math.abs(scaledValue) >= factor && index < suffixes.length - 1) {
    scaledValue /= factor
    scaledStep /= factor
    index += 1
  }
  return `${scaledValue.toFixed(decimalsFor(scaledStep))}${suffixes[index]}`
}

/** Grafana's display of `value` in `unit`, with the precision the axis step calls for. */
export function formatValue(unit, value, step) {
  if (!Number.isFinite(value)) return String(value)
  if (value === 0) return unit === 'percentunit' || unit === 'percent' ? '0%' : unit === 's' ? '0 s' : '0'
  switch (unit) {
    case 'percentunit':
      return `${(value * 100).toFixed(decimalsFor(step * 100))}%`
    case 'percent':
      return `${value.toFixed(decimalsFor(step))}%`
    case 's':
    case 'ms': {
      const seconds = unit === 'ms' ? value / 1000 : value
      const stepSeconds = unit === 'ms' ? step / 1000 : step
      const abs = Math.abs(seconds)
      if (abs < 0.001) return `${(seconds * 1e6).toFixed(decimalsFor(stepSeconds * 1e6))} µs`
      if (abs < 1) return `${(seconds * 1000).toFixed(decimalsFor(stepSeconds * 1000))} ms`
      if (abs < 60) return `${seconds.toFixed(decimalsFor(stepSeconds))} s`
      if (abs < 3600) return `${(seconds / 60).toFixed(decimalsFor(stepSeconds / 60))} min`
      return `${(seconds / 3600).toFixed(decimalsFor(stepSeconds / 3600))} hour`
    }
    case 'ops':
    case 'reqps':
    case 'rps':
    case 'wps':
    case 'iops': {
      const suffix = { ops: 'ops/s', reqps: 'req/s', rps: 'rd/s', wps: 'wr/s', iops: 'io/s' }[unit]
      return `${scaled(value, step, 1000, ['', 'K', 'M', 'B', 'T'])} ${suffix}`
    }
    case 'none':
      return value.toFixed(decimalsFor(step))
    default:
      return scaled(value, step, 1000, ['', 'K', ' Mil', ' Bil', ' Tri'])
  }
}

// Page ------------------------------------------------------------------------------------------------

function pageHtml({
  dashboard,
  body,
  height,
  gridHeight,
  start,
  end,
  variableLabels,
  prometheusVersion,
  scrapeIntervalSeconds,
}) {
  const from = new Date(start * 1000).toISOString().replace('T', ' ').slice(0, 19)
  const to = new Date(end * 1000).toISOString().slice(11, 19)
  const variables = (dashboard.templating?.list ?? [])
    .filter((variable) => variable.hide !== 2)
    .map(
      (variable) =>
        `<span class="var"><span class="var-label">${esc(variable.label ?? variable.name)}</span><span class="var-value">${esc(variableLabels[variable.name] ?? 'All')} ⌄</span></span>`,
    )
    .join('')
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${esc(dashboard.title)} (preview)</title>
<style>
  * { box-sizing: border-box; }
  html, body { margin: 0; background: #111217; color: #ccccdc; font-family: ${FONT}; font-size: 12px; }
  body { width: ${VIEWPORT_WIDTH}px; height: ${height}px; overflow: hidden; padding: 0 ${PAGE_PADDING}px; }
  .topbar { height: 48px; display: flex; align-items: center; gap: 12px; border-bottom: 1px solid #2c2f35; margin: 0 -${PAGE_PADDING}px; padding: 0 ${PAGE_PADDING}px; }
  .crumbs { font-size: 16px; color: #8e8e9d; }
  .crumbs b { color: #d8d9e3; font-weight: 500; }
  .spacer { flex: 1; }
  .timepicker { border: 1px solid #34373d; border-radius: 2px; padding: 5px 10px; color: #ccccdc; background: #181b1f; }
  .vars { height: 56px; display: flex; align-items: center; gap: 8px; }
  .var { display: inline-flex; border: 1px solid #34373d; border-radius: 2px; height: 32px; align-items: stretch; }
  .var-label { background: #22252b; color: #ccccdc; padding: 0 10px; display: flex; align-items: center; font-weight: 500; border-right: 1px solid #34373d; }
  .var-value { background: #111217; padding: 0 10px; display: flex; align-items: center; }
  .grid { position: relative; width: ${GRID_WIDTH}px; height: ${gridHeight}px; }
  .row { position: absolute; font-size: 16px; font-weight: 500; color: #d8d9e3; display: flex; align-items: center; gap: 6px; }
  .chevron { color: #8e8e9d; width: 14px; }
  .panel { position: absolute; background: #181b1f; border: 1px solid #262a30; border-radius: 2px; overflow: hidden; display: flex; flex-direction: column; }
  .title { display: flex; align-items: center; padding: 0 8px; font-size: 14px; font-weight: 500; color: #d8d9e3; white-space: nowrap; gap: 6px; }
  .info { color: #8e8e9d; font-size: 9px; font-weight: 700; width: 12px; height: 12px; border: 1px solid #8e8e9d; border-radius: 50%; display: inline-flex; align-items: center; justify-content: center; }
  .error { background: #d10e5c; color: #fff; border-radius: 2px; padding: 0 5px; font-size: 11px; }
  .body { flex: none; }
  svg { display: block; overflow: visible; font-family: ${FONT}; }
  svg .grid { stroke: #ccccdc; stroke-opacity: 0.09; stroke-width: 1; }
  svg .axis { fill: #a5a6b0; font-size: 12px; }
  svg .nodata { fill: #8e8e9d; font-size: 14px; }
  .legend { display: flex; flex-wrap: wrap; align-content: flex-start; padding: 2px 8px 0; overflow: hidden; }
  .legend .item { display: inline-flex; align-items: center; height: 20px; margin-right: 16px; color: #ccccdc; white-space: nowrap; }
  .legend .swatch { display: inline-block; width: 14px; height: 0; margin-right: 6px; }
  .footer { height: ${FOOTER_HEIGHT}px; display: flex; align-items: center; color: #8e8e9d; font-size: 12px; }
</style></head>
<body>
  <div class="topbar"><span class="crumbs">Dashboards / <b>${esc(dashboard.title)}</b></span><span class="spacer"></span>
    <span class="timepicker">${from} to ${to} UTC</span><span class="timepicker">Refresh ${esc(dashboard.refresh ?? 'off')}</span></div>
  <div class="vars">${variables}</div>
  <div class="grid">${body}</div>
  <div class="footer">Preview drawn by packages/metrics/scripts/render-dashboard.mjs from grafana/durabl-dashboard.json (not a Grafana screenshot).
    Data: Prometheus ${esc(prometheusVersion)} scraping apps/example under load every ${scrapeIntervalSeconds} s; data source scrape interval ${scrapeIntervalSeconds} s for $__rate_interval.</div>
</body></html>`
}

// Command line ------------------------------------------------------------------------------------------

async function main() {
  const { values: args } = parseArgs({
    options: {
      prometheus: { type: 'string' },
      start: { type: 'string' },
      end: { type: 'string' },
      duration: { type: 'string', default: '150' },
      queue: { type: 'string', default: 'example' },
      'scrape-interval': { type: 'string', default: '1' },
      out: { type: 'string', default: PREVIEW_PATH },
      html: { type: 'string' },
    },
  })
  const log = (text) => console.log(`  ..  ${text}`)
  const dashboard = await loadDashboard()
  const scrapeIntervalSeconds = Number(args['scrape-interval'])
  const variables = { queue: args.queue, type: '.*' }
  const variableLabels = { datasource: 'Prometheus', queue: args.queue, type: 'All' }
  const report = (result) =>
    console.log(
      `wrote ${relative(REPO_ROOT, result.png)}: ${result.width}×${result.height} px, ${Math.round(result.bytes / 1024)} KB${result.html ? ` (HTML: ${result.html})` : ''}`,
    )

  if (args.prometheus) {
    if (!args.start || !args.end) throw new Error('--prometheus needs --start and --end (unix seconds)')
    const buildInfo = await fetch(`${args.prometheus}/api/v1/status/buildinfo`)
      .then((response) => response.json())
      .catch(() => ({}))
    report(
      await renderDashboard({
        dashboard,
        promUrl: args.prometheus,
        start: Number(args.start),
        end: Number(args.end),
        scrapeIntervalSeconds,
        variables,
        variableLabels,
        prometheusVersion: buildInfo.data?.version ?? 'unknown',
        out: args.out,
        htmlOut: args.html,
        log,
      }),
    )
    return
  }

  const prometheusPath = findExecutable('prometheus')
  if (!prometheusPath)
    throw new Error('prometheus is not on PATH (Debian: apt-get install -y prometheus), or pass --prometheus')
  let stack
  stopOnSignals(() => stack)
  stack = await startStack({ prometheusPath, scrapeIntervalSeconds, rulesFile: null, log })
  try {
    log(`sending sign-ups for ${args.duration} s`)
    const load = await driveLoad({ appUrl: stack.appUrl, durationSeconds: Number(args.duration), log })
    log(`${load.accepted} sign-ups accepted, ${load.failed} failed`)
    await new Promise((done) => setTimeout(done, 3000 * scrapeIntervalSeconds))
    report(
      await renderDashboard({
        dashboard,
        promUrl: stack.promUrl,
        start: Math.floor(load.startMs / 1000) - 10,
        end: Math.ceil(Date.now() / 1000),
        scrapeIntervalSeconds,
        variables,
        variableLabels,
        prometheusVersion: stack.prometheusVersion,
        out: args.out,
        htmlOut: args.html,
        log,
      }),
    )
  } finally {
    await stack.stop()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error) => {
    console.error(`render-dashboard: ${error.message}`)
    process.exitCode = 1
  })
}
