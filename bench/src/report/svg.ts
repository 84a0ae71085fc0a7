import type { BenchResults, ThroughputResult } from '../results.js'

const WIDTH = 760
const HEIGHT = 460
const MARGIN = { top: 70, right: 200, bottom: 60, left: 80 }
export const COLORS: Record<string, string> = { durabl: '#2563eb', agenda: '#16a34a', bullmq: '#dc2626' }

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

export function formatRate(value: number): string {
  if (value >= 1000) return `${Number((value / 1000).toFixed(value >= 10_000 ? 0 : 1))}k`
  return String(Number(value.toFixed(value >= 10 ? 0 : 1)))
}

/**
 * Throughput (jobs/s, log scale) against concurrency, one line per system and process count
 * (solid: 1 process, dashed: more). Hand-written SVG: no chart dependency.
 */
export function renderThroughputSvg(results: BenchResults): string {
  const runs = results.throughput.filter((entry) => entry.jobsPerSecond > 0)
  const concurrencies = [...new Set(runs.map((entry) => entry.concurrency))].sort((a, b) => a - b)
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom
  const elements: string[] = []
  const title = 'Processing throughput against concurrency (no-op jobs)'
  const subtitle = `${results.target.kind === 'in-process' ? 'In-process MongoDB server: measures client side and round trips, not MongoDB' : `MongoDB target: ${results.target.kind}`}; BullMQ on local Redis`
  elements.push(
    `<text x="${WIDTH / 2}" y="26" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${WIDTH / 2}" y="46" text-anchor="middle" font-size="11" fill="#555">${escapeXml(subtitle)}</text>`,
  )
  if (runs.length === 0 || concurrencies.length === 0) {
    elements.push(`<text x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle">no throughput runs</text>`)
    return wrap(elements)
  }

  const rates = runs.map((entry) => entry.jobsPerSecond)
  const low = 10 ** Math.floor(Math.log10(Math.min(...rates)))
  const high = 10 ** Math.ceil(Math.log10(Math.max(...rates)))
  const y = (value: number) =>
    MARGIN.top +
    plotHeight -
    ((Math.log10(value) - Math.log10(low)) / (Math.log10(high) - Math.log10(low))) * plotHeight
  const x = (concurrency: number) => {
    const index = concurrencies.indexOf(concurrency)
    return concurrencies.length === 1
      ? MARGIN.left + plotWidth / 2
      : MARGIN.left + (index / (concurrencies.length - 1)) * plotWidth
  }

  // Grid: every power of ten, lighter lines at 2× and 5×.
  for (let decade = low; decade <= high; decade *= 10) {
    for (const factor of [1, 2, 5]) {
      const value = decade * factor
      if (value > high) break
      const lineY = y(value).toFixed(1)
      elements.push(
        `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${lineY}" y2="${lineY}" stroke="${factor === 1 ? '#ccc' : '#eee'}"/>`,
        `<text x="${MARGIN.left - 8}" y="${lineY}" dy="4" text-anchor="end" font-size="11" fill="#444">${formatRate(value)}</text>`,
      )
    }
  }
  for (const concurrency of concurrencies) {
    const lineX = x(concurrency).toFixed(1)
    elements.push(
      `<line x1="${lineX}" x2="${lineX}" y1="${MARGIN.top}" y2="${MARGIN.top + plotHeight}" stroke="#eee"/>`,
      `<text x="${lineX}" y="${MARGIN.top + plotHeight + 18}" text-anchor="middle" font-size="12">${concurrency}</text>`,
    )
  }
  elements.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#888"/>`,
    `<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 18}" text-anchor="middle" font-size="12">concurrency per process</text>`,
    `<text transform="translate(22 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle" font-size="12">jobs per second (log scale)</text>`,
  )

  const series = new Map<string, ThroughputResult[]>()
  for (const entry of runs) {
    const key = `${entry.system}|${entry.instances}`
    series.set(key, [...(series.get(key) ?? []), entry])
  }
  let legendY = MARGIN.top + 10
  for (const [key, entries] of series) {
    const [system, instances] = key.split('|') as [string, string]
    const color = COLORS[system] ?? '#000'
    const dash = instances === '1' ? '' : ' stroke-dasharray="6 4"'
    const points = entries
      .sort((a, b) => a.concurrency - b.concurrency)
      .map((entry) => `${x(entry.concurrency).toFixed(1)},${y(entry.jobsPerSecond).toFixed(1)}`)
    elements.push(
      `<polyline points="${points.join(' ')}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`,
    )
    for (const entry of entries) {
      const cx = x(entry.concurrency).toFixed(1)
      const cy = y(entry.jobsPerSecond).toFixed(1)
      elements.push(
        `<circle cx="${cx}" cy="${cy}" r="3.5" fill="${entry.drained ? color : '#fff'}" stroke="${color}"><title>${escapeXml(`${system}, ${instances} process(es), c=${entry.concurrency}: ${entry.jobsPerSecond} jobs/s`)}</title></circle>`,
      )
    }
    const legendX = MARGIN.left + plotWidth + 16
    elements.push(
      `<line x1="${legendX}" x2="${legendX + 28}" y1="${legendY}" y2="${legendY}" stroke="${color}" stroke-width="2"${dash}/>`,
      `<text x="${legendX + 36}" y="${legendY}" dy="4" font-size="12">${escapeXml(`${system}, ${instances} process${instances === '1' ? '' : 'es'}`)}</text>`,
    )
    legendY += 22
  }
  elements.push(
    `<text x="${MARGIN.left + plotWidth + 16}" y="${legendY + 10}" font-size="10" fill="#666">open circle: run capped</text>`,
  )
  return wrap(elements)
}

function wrap(elements: string[]): string {
  return wrapSvg(elements, WIDTH, HEIGHT)
}

/** A complete SVG document of `width` × `height` around `elements`. */
export function wrapSvg(elements: string[], width: number, height: number): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...elements.map((element) => `  ${element}`),
    '</svg>',
    '',
  ].join('\n')
}
