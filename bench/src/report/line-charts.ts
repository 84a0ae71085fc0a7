import type { BenchResults } from '../results.js'
import { COLORS, escapeXml, formatRate, wrapSvg } from './svg.js'

/** One line of a panel; an open point marks a run that did not finish (capped, or an error). */
interface Series {
  label: string
  color: string
  dashed?: boolean
  points: Array<{ x: number; y: number; open?: boolean; note?: string }>
}

interface Panel {
  title: string
  xLabel: string
  yLabel: string
  yScale: 'linear' | 'log'
  series: Series[]
}

interface Box {
  left: number
  top: number
  width: number
  height: number
}

/** Round numbers for a linear axis from 0 to at least `max`. */
function linearTicks(max: number): number[] {
  if (!(max > 0)) return [0, 1]
  const raw = max / 5
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const step = ([1, 2, 5, 10].find((factor) => factor * magnitude >= raw) ?? 10) * magnitude
  const ticks: number[] = []
  for (let value = 0; value < max + step; value += step) ticks.push(Number(value.toPrecision(6)))
  return ticks
}

function logTicks(min: number, max: number): number[] {
  const low = 10 ** Math.floor(Math.log10(min))
  const high = 10 ** Math.ceil(Math.log10(max))
  const ticks: number[] = []
  for (let decade = low; decade <= high; decade *= 10) {
    for (const factor of [1, 2, 5]) if (decade * factor <= high) ticks.push(decade * factor)
  }
  return ticks
}

/** One plot (axes, grid, lines, legend) inside `box`, as SVG elements. Hand-written: no chart dependency. */
function renderPanel(panel: Panel, box: Box): string[] {
  const elements: string[] = []
  const points = panel.series.flatMap((series) => series.points).filter((point) => Number.isFinite(point.y))
  const plot = { left: box.left + 60, top: box.top + 30, width: box.width - 80, height: box.height - 110 }
  elements.push(
    `<text x="${box.left + box.width / 2}" y="${box.top + 16}" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(panel.title)}</text>`,
  )
  if (points.length === 0) {
    elements.push(
      `<text x="${plot.left + plot.width / 2}" y="${plot.top + plot.height / 2}" text-anchor="middle">no data</text>`,
    )
    return elements
  }
  const xMax = Math.max(...points.map((point) => point.x))
  const xTicks = linearTicks(xMax)
  const xTop = xTicks[xTicks.length - 1] ?? 1
  const x = (value: number) => plot.left + (value / xTop) * plot.width
  const ys = points.map((point) => point.y)
  const positive = ys.filter((value) => value > 0)
  const yTicks =
    panel.yScale === 'log'
      ? logTicks(Math.min(...positive), Math.max(...positive))
      : linearTicks(Math.max(...ys))
  const yLow = yTicks[0] ?? 0
  const yHigh = yTicks[yTicks.length - 1] ?? 1
  const y = (value: number) => {
    const share =
      panel.yScale === 'log'
        ? (Math.log10(Math.max(value, yLow)) - Math.log10(yLow)) / (Math.log10(yHigh) - Math.log10(yLow))
        : (value - yLow) / (yHigh - yLow)
    return plot.top + plot.height - share * plot.height
  }
  for (const tick of yTicks) {
    const lineY = y(tick).toFixed(1)
    elements.push(
      `<line x1="${plot.left}" x2="${plot.left + plot.width}" y1="${lineY}" y2="${lineY}" stroke="#e5e5e5"/>`,
      `<text x="${plot.left - 6}" y="${lineY}" dy="4" text-anchor="end" font-size="10" fill="#444">${formatRate(tick)}</text>`,
    )
  }
  for (const tick of xTicks) {
    const lineX = x(tick).toFixed(1)
    elements.push(
      `<line x1="${lineX}" x2="${lineX}" y1="${plot.top}" y2="${plot.top + plot.height}" stroke="#f0f0f0"/>`,
      `<text x="${lineX}" y="${plot.top + plot.height + 15}" text-anchor="middle" font-size="10">${formatRate(tick)}</text>`,
    )
  }
  elements.push(
    `<rect x="${plot.left}" y="${plot.top}" width="${plot.width}" height="${plot.height}" fill="none" stroke="#888"/>`,
    `<text x="${plot.left + plot.width / 2}" y="${plot.top + plot.height + 34}" text-anchor="middle" font-size="11">${escapeXml(panel.xLabel)}</text>`,
    `<text transform="translate(${box.left + 14} ${plot.top + plot.height / 2}) rotate(-90)" text-anchor="middle" font-size="11">${escapeXml(panel.yLabel)}</text>`,
  )
  let legendX = plot.left
  const legendY = plot.top + plot.height + 56
  for (const series of panel.series) {
    const dash = series.dashed ? ' stroke-dasharray="6 4"' : ''
    const drawn = series.points.filter((point) => Number.isFinite(point.y))
    elements.push(
      `<polyline points="${drawn.map((point) => `${x(point.x).toFixed(1)},${y(point.y).toFixed(1)}`).join(' ')}" fill="none" stroke="${series.color}" stroke-width="2"${dash}/>`,
    )
    if (drawn.length <= 20) {
      for (const point of drawn) {
        const title = `${series.label}: ${point.y} at ${point.x}${point.note ? ` (${point.note})` : ''}`
        elements.push(
          `<circle cx="${x(point.x).toFixed(1)}" cy="${y(point.y).toFixed(1)}" r="3.5" fill="${point.open ? '#fff' : series.color}" stroke="${series.color}"><title>${escapeXml(title)}</title></circle>`,
        )
      }
    }
    elements.push(
      `<line x1="${legendX}" x2="${legendX + 22}" y1="${legendY}" y2="${legendY}" stroke="${series.color}" stroke-width="2"${dash}/>`,
      `<text x="${legendX + 27}" y="${legendY}" dy="4" font-size="11">${escapeXml(series.label)}</text>`,
    )
    legendX += 40 + series.label.length * 6
  }
  return elements
}

function header(title: string, subtitle: string, width: number): string[] {
  return [
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${width / 2}" y="42" text-anchor="middle" font-size="11" fill="#555">${escapeXml(subtitle)}</text>`,
  ]
}

/**
 * Scenario round-trip: throughput (log scale) and push pickup p50 against the added delay per
 * command, durabl and Agenda side by side.
 */
export function renderRoundTripSvg(results: BenchResults): string {
  const rows = results.roundTripCost ?? []
  const systems = [...new Set(rows.flatMap((row) => row.throughput.map((entry) => entry.system)))]
  const runs = [
    ...new Set(rows.flatMap((row) => row.throughput.map((entry) => `${entry.system}|${entry.concurrency}`))),
  ]
  const throughput: Panel = {
    title: 'Drain throughput, 1 process (dashed: c1)',
    xLabel: 'round trip per command: ping p50 (ms)',
    yLabel: 'jobs per second (log scale)',
    yScale: 'log',
    series: runs.map((run) => {
      const [system = '', concurrency = ''] = run.split('|')
      return {
        label: `${system} c${concurrency}`,
        color: COLORS[system] ?? '#000',
        dashed: concurrency === '1',
        points: rows.flatMap((row) =>
          row.throughput
            .filter((entry) => `${entry.system}|${entry.concurrency}` === run && entry.jobsPerSecond > 0)
            .map((entry) => ({ x: row.pingP50Ms, y: entry.jobsPerSecond, open: !entry.drained })),
        ),
      }
    }),
  }
  const latency: Panel = {
    title: 'Push pickup latency p50 (idle queue)',
    xLabel: 'round trip per command: ping p50 (ms)',
    yLabel: 'enqueue → handler start, ms',
    yScale: 'linear',
    series: systems.map((system) => ({
      label: system,
      color: COLORS[system] ?? '#000',
      points: rows.flatMap((row) =>
        row.latency
          .filter((entry) => entry.system === system && entry.samples > 0)
          .map((entry) => ({ x: row.pingP50Ms, y: entry.p50Ms, open: entry.error !== undefined })),
      ),
    })),
  }
  const width = 900
  const height = 420
  return wrapSvg(
    [
      ...header(
        'What a round trip per command costs: durabl and Agenda',
        'In-process server with every command reply delayed; open circle: run capped or failed',
        width,
      ),
      ...renderPanel(throughput, { left: 10, top: 56, width: 440, height: height - 56 }),
      ...renderPanel(latency, { left: 460, top: 56, width: 440, height: height - 56 }),
    ],
    width,
    height,
  )
}

/** Scenario memory: heap (after a forced GC) and RSS of the worker against jobs completed. */
export function renderMemorySvg(results: BenchResults): string {
  const memory = results.memory
  const samples = memory?.samples ?? []
  const panel: Panel = {
    title: 'durabl worker memory over a long run (1 process, c16, no-op jobs)',
    xLabel: 'jobs completed (thousands)',
    yLabel: 'MiB',
    yScale: 'linear',
    series: [
      {
        label: 'heap used (after full GC)',
        color: COLORS.durabl ?? '#2563eb',
        points: samples.map((sample) => ({ x: sample.completed / 1000, y: sample.heapUsedMiB })),
      },
      {
        label: 'RSS',
        color: '#7c3aed',
        dashed: true,
        points: samples.map((sample) => ({ x: sample.completed / 1000, y: sample.rssMiB })),
      },
    ],
  }
  const width = 760
  const height = 440
  const verdict =
    memory === null || memory === undefined
      ? 'not measured'
      : `heap slope over the second half: ${memory.heapSlopeBytesPerJob} B/job (flat below ${memory.thresholdBytesPerJob})`
  return wrapSvg(
    [
      ...header('Worker memory against jobs completed', verdict, width),
      ...renderPanel(panel, { left: 10, top: 56, width: width - 20, height: height - 56 }),
    ],
    width,
    height,
  )
}
