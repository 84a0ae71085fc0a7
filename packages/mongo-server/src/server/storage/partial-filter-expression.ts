import { type Document, isPlainObject } from '../bson-values.js'
import { errorCodes, MongoCommandError } from '../errors.js'

/**
 * mongod's check of a `partialFilterExpression` (IndexCatalogImpl's `_checkValidFilterExpressions`,
 * MongoDB 6.0 and later): the filter is parsed into mongod's expression tree and every node must be
 * an equality, `$exists: true`, `$gt`/`$gte`/`$lt`/`$lte`, `$type`, `$in`, or an `$and`/`$or` of
 * those, at most {@link maxPartialFilterDepth} levels deep. Anything else (`$ne`, `$nin`, `$not`,
 * `$exists: false`, regular expressions, `$elemMatch`, `$nor`, `$expr`, ...) fails with 67
 * CannotCreateIndex.
 */

/** mongod's `internalPartialFilterExpressionMaxDepth` default. */
export const maxPartialFilterDepth = 4

type FilterNode =
  | { kind: 'and' | 'or'; children: FilterNode[] }
  | { kind: 'leaf'; supported: boolean; description: string }

const supportedOperators = new Set(['$eq', '$gt', '$gte', '$lt', '$lte', '$type', '$in'])
/** Operators mongod parses but a partial index refuses (negations, patterns, array and misc ones). */
const unsupportedOperators = new Set([
  '$ne',
  '$nin',
  '$not',
  '$regex',
  '$options',
  '$elemMatch',
  '$size',
  '$mod',
  '$bitsAllSet',
  '$bitsAllClear',
  '$bitsAnySet',
  '$bitsAnyClear',
  '$geoWithin',
  '$geoIntersects',
  '$near',
  '$nearSphere',
  '$all',
  '$jsonSchema',
])
/** Top-level operators mongod bans in a partial filter before looking at the tree. */
const bannedTopLevel = new Set(['$expr', '$where', '$text', '$jsonSchema', '$comment'])

function cannotCreate(message: string): MongoCommandError {
  return new MongoCommandError(errorCodes.cannotCreateIndex, message)
}

function unsupported(description: string): FilterNode {
  return { kind: 'leaf', supported: false, description }
}

function combine(children: FilterNode[]): FilterNode {
  return children.length === 1 ? children[0]! : { kind: 'and', children }
}

function parseCondition(field: string, condition: unknown): FilterNode {
  if (condition instanceof RegExp) return unsupported(`${field} regex ${String(condition)}`)
  const operators = isPlainObject(condition) ? Object.keys(condition) : []
  if (operators.length === 0 || !operators[0]!.startsWith('$')) {
    return { kind: 'leaf', supported: true, description: `${field} $eq` }
  }
  const nodes = operators.map((operator): FilterNode => {
    const operand = (condition as Document)[operator]
    if (operator === '$exists') {
      return operand === false || operand === 0 || operand === null
        ? unsupported(`$not { ${field} $exists }`)
        : { kind: 'leaf', supported: true, description: `${field} $exists` }
    }
    if (supportedOperators.has(operator)) {
      if (operator === '$in' && !Array.isArray(operand))
        throw new MongoCommandError(errorCodes.badValue, '$in needs an array')
      return { kind: 'leaf', supported: true, description: `${field} ${operator}` }
    }
    if (unsupportedOperators.has(operator)) return unsupported(`${field} ${operator}`)
    throw new MongoCommandError(errorCodes.badValue, `unknown operator: ${operator}`)
  })
  return combine(nodes)
}

function parseFilter(filter: Document): FilterNode {
  const clauses: FilterNode[] = []
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and' || key === '$or' || key === '$nor') {
      if (!Array.isArray(value) || value.length === 0 || !value.every(isPlainObject)) {
        throw new MongoCommandError(errorCodes.badValue, `${key} must be a nonempty array of objects`)
      }
      const children = (value as Document[]).map(parseFilter)
      clauses.push(key === '$nor' ? unsupported('$nor') : { kind: key === '$and' ? 'and' : 'or', children })
    } else if (bannedTopLevel.has(key)) {
      throw new MongoCommandError(
        errorCodes.queryFeatureNotAllowed,
        `${key} is not allowed in the context of an index`,
      )
    } else if (key.startsWith('$')) {
      throw new MongoCommandError(errorCodes.badValue, `unknown top level operator: ${key}`)
    } else {
      clauses.push(parseCondition(key, value))
    }
  }
  return clauses.length === 0 ? { kind: 'and', children: [] } : combine(clauses)
}

function check(node: FilterNode, level: number): void {
  if (level + 1 > maxPartialFilterDepth) {
    throw cannotCreate(`partialFilterExpression depth may not exceed ${maxPartialFilterDepth}`)
  }
  if (node.kind === 'leaf') {
    if (!node.supported) throw cannotCreate(`Expression not supported in partial index: ${node.description}`)
    return
  }
  for (const child of node.children) check(child, level + 1)
}

/** Throws mongod's error for a partial filter it would refuse. */
export function validatePartialFilterExpression(filter: unknown): void {
  if (!isPlainObject(filter)) {
    throw cannotCreate('"partialFilterExpression" for an index must be a document')
  }
  check(parseFilter(filter), 0)
}
