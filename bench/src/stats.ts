/** The q-quantile (0..1) of sorted values, by nearest rank. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank] as number
}

export function mean(values: number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length
}

/** Rounds for the report: 3 significant digits, at most 3 decimals. */
export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value)) return value
  if (value === 0) return 0
  const magnitude = Math.floor(Math.log10(Math.abs(value)))
  const decimals = Math.min(3, Math.max(0, digits - 1 - magnitude))
  return Number(value.toFixed(decimals))
}
