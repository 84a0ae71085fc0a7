import type { JobIndex } from '@durabl/mongo'

/** An index as `listIndexes` returns it (the fields the comparison reads). */
export interface LiveIndex {
  name: string
  key: Record<string, unknown>
  unique?: boolean
  sparse?: boolean
  partialFilterExpression?: Record<string, unknown>
  expireAfterSeconds?: number
  [field: string]: unknown
}

export type IndexStatus = 'ok' | 'missing' | 'different'

export interface ExpectedIndexReport {
  name: string
  status: IndexStatus
  /** What differs, one phrase each (`unique is false, expected true`); empty unless `different`. */
  differences: string[]
  expected: { key: Record<string, number>; options: Record<string, unknown> }
  serves: string
}

export interface IndexComparison {
  expected: ExpectedIndexReport[]
  /** Indexes named like durabl's (`durabl_…`) that the backend does not define. */
  extra: Array<{ name: string; key: Record<string, unknown> }>
}

/** The prefix every index the backend defines carries; others are the application's own. */
export const DURABL_INDEX_PREFIX = 'durabl_'

/** JSON with object keys sorted, so `{ a, b }` and `{ b, a }` compare equal (index keys excepted). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value instanceof Date) return JSON.stringify(value.toISOString())
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([left], [right]) =>
      left.localeCompare(right),
    )
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`
  }
  return JSON.stringify(typeof value === 'bigint' ? Number(value) : value)
}

/** Index keys compare in order (`{ a: 1, b: 1 }` is not `{ b: 1, a: 1 }`), directions as numbers. */
function keyText(key: Record<string, unknown>): string {
  return `{ ${Object.entries(key)
    .map(
      ([field, direction]) =>
        `${field}: ${typeof direction === 'string' ? JSON.stringify(direction) : Number(direction)}`,
    )
    .join(', ')} }`
}

function describe(value: unknown): string {
  return value === undefined ? 'not set' : canonical(value)
}

function differencesOf(expected: JobIndex, live: LiveIndex): string[] {
  const differences: string[] = []
  if (keyText(live.key) !== keyText(expected.key)) {
    differences.push(`key is ${keyText(live.key)}, expected ${keyText(expected.key)}`)
  }
  const flags: Array<['unique' | 'sparse', boolean, boolean]> = [
    ['unique', live.unique === true, expected.options.unique === true],
    ['sparse', live.sparse === true, false],
  ]
  for (const [field, actual, wanted] of flags) {
    if (actual !== wanted) differences.push(`${field} is ${actual}, expected ${wanted}`)
  }
  if (
    canonical(live.partialFilterExpression ?? null) !==
    canonical(expected.options.partialFilterExpression ?? null)
  ) {
    differences.push(
      `partialFilterExpression is ${describe(live.partialFilterExpression)}, expected ${describe(expected.options.partialFilterExpression)}`,
    )
  }
  const liveTtl = live.expireAfterSeconds === undefined ? undefined : Number(live.expireAfterSeconds)
  if (liveTtl !== expected.options.expireAfterSeconds) {
    differences.push(
      `expireAfterSeconds is ${describe(liveTtl)}, expected ${describe(expected.options.expireAfterSeconds)}`,
    )
  }
  return differences
}

/** Compares the live indexes of the jobs collection with the ones the backend defines. */
export function compareIndexes(expected: readonly JobIndex[], live: readonly LiveIndex[]): IndexComparison {
  const byName = new Map(live.map((index) => [index.name, index]))
  const reports = expected.map((index): ExpectedIndexReport => {
    const found = byName.get(index.name)
    const differences = found === undefined ? [] : differencesOf(index, found)
    return {
      name: index.name,
      status: found === undefined ? 'missing' : differences.length > 0 ? 'different' : 'ok',
      differences,
      expected: { key: index.key as Record<string, number>, options: index.options },
      serves: index.serves,
    }
  })
  const expectedNames = new Set(expected.map((index) => index.name))
  const extra = live
    .filter((index) => index.name.startsWith(DURABL_INDEX_PREFIX) && !expectedNames.has(index.name))
    .map((index) => ({ name: index.name, key: index.key }))
  return { expected: reports, extra }
}

export { keyText as formatIndexKey }
