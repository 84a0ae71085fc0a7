import { expect, it } from 'vitest'
import { renderTable } from './table.js'

it('aligns columns, numbers to the right, without trailing spaces', () => {
  const table = renderTable(
    [{ header: 'TYPE' }, { header: 'COUNT', align: 'right' }, { header: 'NOTE' }],
    [
      ['email', '3', ''],
      ['report-generation', '120', 'slow'],
    ],
  )
  expect(table).toBe(
    ['TYPE               COUNT  NOTE', 'email                  3', 'report-generation    120  slow'].join(
      '\n',
    ),
  )
})
