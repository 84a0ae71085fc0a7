import { safeText } from './safe-text.js'

export interface TableColumn {
  header: string
  /** Numbers read best right-aligned. @defaultValue 'left' */
  align?: 'left' | 'right'
}

/**
 * Renders rows as an aligned plain-text table, two spaces between columns, no trailing spaces.
 * Callers format numbers and dates first; every cell goes through `safeText`, so a stored value
 * with a newline or an ANSI escape cannot break the table or colour the terminal.
 */
export function renderTable(columns: TableColumn[], unsafeRows: string[][]): string {
  const rows = unsafeRows.map((row) => row.map((cell) => safeText(cell)))
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...rows.map((row) => (row[index] ?? '').length)),
  )
  const line = (cells: string[]) =>
    columns
      .map((column, index) => {
        const cell = cells[index] ?? ''
        const width = widths[index] ?? 0
        return column.align === 'right' ? cell.padStart(width) : cell.padEnd(width)
      })
      .join('  ')
      .trimEnd()
  return [line(columns.map((column) => column.header)), ...rows.map((row) => line(row))].join('\n')
}
