import { type JobFilter, type JobState, type SelectJobsParams, ValidationError } from '@durabl/core'
import type { Document } from 'mongodb'
import { assertDate, assertJobState, assertNonEmptyString, parseJobIds } from '../validate.js'
import { dedupeKeyCondition } from './dedupe-key-query.js'

function oneOrMany<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value]
}

/**
 * Translates an admin filter into a MongoDB filter. Every value is checked to be a plain string, a
 * known state or a Date first, and only ever used with `$in` or `$lt`, so no user value can become
 * an operator.
 */
export function toMongoFilter(filter: JobFilter | undefined, field = 'filter'): Document {
  const query: Document = {}
  if (filter === undefined || filter === null) return query
  if (typeof filter !== 'object') throw new ValidationError(field, 'must be an object', filter)
  if (filter.state !== undefined) {
    const states = oneOrMany(filter.state)
    for (const [index, state] of states.entries()) {
      assertJobState(state, `${field}.state${Array.isArray(filter.state) ? `[${index}]` : ''}`)
    }
    query.state = states.length === 1 ? states[0] : { $in: states }
  }
  if (filter.type !== undefined) {
    const types = oneOrMany(filter.type)
    for (const [index, type] of types.entries()) {
      assertNonEmptyString(type, `${field}.type${Array.isArray(filter.type) ? `[${index}]` : ''}`)
    }
    query.type = types.length === 1 ? types[0] : { $in: types }
  }
  if (filter.dedupeKey !== undefined) {
    assertNonEmptyString(filter.dedupeKey, `${field}.dedupeKey`)
    // States durabl_dedupe_key's partial filter so the planner may use the index.
    query.dedupeKey = dedupeKeyCondition([filter.dedupeKey])
  }
  if (filter.finishedBefore !== undefined) {
    assertDate(filter.finishedBefore, `${field}.finishedBefore`)
    query.finishedAt = { $lt: filter.finishedBefore }
  }
  return query
}

/** The filter for an admin selection: the listed ids and/or the filter (both must match when both are given). */
export function toSelection(params: SelectJobsParams): Document {
  if (params.ids === undefined && params.filter === undefined) {
    throw new ValidationError(
      'ids',
      'or filter must be given (an empty selection would touch every job)',
      undefined,
    )
  }
  const query = toMongoFilter(params.filter)
  if (params.ids !== undefined) query._id = { $in: parseJobIds(params.ids) }
  return query
}

/** Narrows a selection to states in `allowed`, intersecting with a state filter the caller gave. */
export function restrictStates(query: Document, allowed: JobState[]): Document {
  const requested: JobState[] | undefined =
    query.state === undefined ? undefined : typeof query.state === 'string' ? [query.state] : query.state.$in
  const states = requested === undefined ? allowed : requested.filter((state) => allowed.includes(state))
  return { ...query, state: { $in: states } }
}
