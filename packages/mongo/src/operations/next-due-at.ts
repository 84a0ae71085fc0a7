import { type NextDueAtParams, ValidationError } from '@durabl/core'
import type { Document } from 'mongodb'
import { commandComment } from '../command-comment.js'
import type { OperationContext } from '../operation-context.js'
import { assertDate, assertNonEmptyString } from '../validate.js'

/** The index the next-due read walks (see `jobIndexes()`). */
export const NEXT_DUE_INDEX_NAME = 'durabl_next_due'

/**
 * The filter and sort of the next-due read: pending jobs of the given types due after `now`,
 * earliest first. Equality (or `$in`) on type then a range and sort on runAt, so `durabl_next_due`
 * answers it by reading one index key per type, whatever the number of delayed jobs.
 */
export function nextDueQuery(types: readonly string[], now: Date): { filter: Document; sort: { runAt: 1 } } {
  return {
    filter: {
      state: 'pending',
      type: types.length === 1 ? types[0] : { $in: [...types] },
      runAt: { $gt: now },
    },
    sort: { runAt: 1 },
  }
}

/**
 * The earliest `runAt` after `now` among pending jobs of the given types, or null: one `find` with
 * `limit: 1`, projected to `runAt`. The runtime calls it only after a claim came back short.
 */
export async function nextDueAt(context: OperationContext, params: NextDueAtParams): Promise<Date | null> {
  assertDate(params?.now, 'now')
  if (!Array.isArray(params.types)) throw new ValidationError('types', 'must be an array', params.types)
  for (const [index, type] of params.types.entries()) assertNonEmptyString(type, `types[${index}]`)
  if (params.types.length === 0) return null
  const { filter, sort } = nextDueQuery(params.types, params.now)
  const document = await context.collection.findOne(filter, {
    sort,
    projection: { _id: 0, runAt: 1 },
    comment: commandComment('nextDueAt'),
  })
  return document === null ? null : document.runAt
}
