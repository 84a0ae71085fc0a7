/** `2030-01-01T00:00:00Z`: ISO 8601 in UTC, to the second (milliseconds add noise to a table). */
export function formatTime(time: Date | null | undefined): string {
  if (time === null || time === undefined) return '-'
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** Cuts text to one line of at most `width` characters, marking the cut with `…`. */
export function truncate(text: string, width: number): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length <= width ? line : `${line.slice(0, Math.max(0, width - 1))}…`
}

/** Compact JSON for a table cell or a one-line field. */
export function inlineJson(value: unknown): string {
  if (value === undefined) return '-'
  return JSON.stringify(value) ?? String(value)
}
