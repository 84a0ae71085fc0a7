import type { Document } from 'mongodb'

/**
 * The job events that request a cancel, as a `$match` condition on the jobs collection's events
 * of the stream (see `streamPipeline`): `cancelJobs` sets `cancelRequestedAt` to its `now` on an
 * active job with an update operator, which mongod reports as an `update` event whose
 * `updateDescription.updatedFields` holds the new value (manual, "Change Events: update"). A
 * rerun that clears it (`null`) is not a request, hence the type test.
 */
export const CANCEL_REQUEST_CONDITION: Document = {
  operationType: 'update',
  'updateDescription.updatedFields.cancelRequestedAt': { $type: 'date' },
}

/** What a cancel request reads from a projected job event (see `streamPipeline`'s `$project`). */
export const CANCEL_REQUEST_FIELDS = ['documentKey._id', 'updateDescription.updatedFields.cancelRequestedAt']

/**
 * The id of the job whose cancel an event requests, or null when the event is no such request:
 * the event's `documentKey._id` is the job's `_id`, so no read is needed.
 */
export function cancelRequestFromEvent(event: Document): string | null {
  if (event.operationType !== 'update') return null
  if (!(event.updateDescription?.updatedFields?.cancelRequestedAt instanceof Date)) return null
  const id = event.documentKey?._id
  if (typeof id?.toHexString === 'function') return id.toHexString()
  return typeof id === 'string' ? id : null
}
