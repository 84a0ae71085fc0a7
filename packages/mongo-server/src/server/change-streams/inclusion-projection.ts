import { type Document, isPlainObject } from '../bson-values.js'

/** A tree of included paths: `true` includes the whole value, a subtree selects inside it. */
interface Inclusions {
  [field: string]: true | Inclusions
}

export type InclusionProjection = (document: Document) => Document | undefined

/**
 * Compiles a `$project` stage that only includes plain field paths (`{ a: 1, 'b.c': true }`, with
 * `_id` kept unless `_id: 0`), the shape change-stream consumers use to trim events, into a direct
 * copy on the BSON values: fields come out in the document's order with their BSON types, as
 * mongod returns them. Returns undefined for any other projection (mingo runs those), and the
 * compiled function returns undefined for a document with an array on a projected path.
 */
export function compileInclusionProjection(stage: Document): InclusionProjection | undefined {
  const specification = stage.$project
  if (!isPlainObject(specification) || Object.keys(stage).length !== 1) return undefined
  const root: Inclusions = {}
  let includeId = true
  for (const [path, value] of Object.entries(specification)) {
    if (path === '_id' && (value === 0 || value === false)) {
      includeId = false
      continue
    }
    if (value !== 1 && value !== true) return undefined
    const segments = path.split('.')
    if (segments.some((segment) => segment === '' || segment.startsWith('$'))) return undefined
    let node = root
    for (const [position, segment] of segments.entries()) {
      const existing = node[segment]
      if (position === segments.length - 1) {
        if (existing !== undefined) return undefined // a path collision: mingo reports it
        node[segment] = true
      } else {
        if (existing === true) return undefined
        const child: Inclusions = existing ?? {}
        node[segment] = child
        node = child
      }
    }
  }
  if (includeId && root._id === undefined) root._id = true
  if (!includeId && root._id !== undefined) return undefined
  return (document) => project(document, root)
}

function project(source: Document, inclusions: Inclusions): Document | undefined {
  const result: Document = {}
  for (const [field, value] of Object.entries(source)) {
    const included = inclusions[field]
    if (included === undefined || value === undefined) continue
    if (included === true) {
      result[field] = value
      continue
    }
    if (Array.isArray(value)) return undefined
    if (!isPlainObject(value)) continue
    const inner = project(value, included)
    if (inner === undefined) return undefined
    result[field] = inner
  }
  return result
}
