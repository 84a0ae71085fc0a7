/** A Markdown table; null cells print as n/a. */
export function table(header: string[], rows: Array<Array<string | number | null>>): string {
  const cell = (value: string | number | null) =>
    value === null ? 'n/a' : String(value).replace(/\|/g, '\\|')
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n')
}
