/**
 * The `comment` every MongoDB command durabl sends carries: `durabl:<operation>`. mongod copies a
 * command's comment into the profiler (`system.profile`), the slow-query log and `currentOp`, and
 * for a cursor onto its getMores, so operators, the bench's command meter and the tests read what
 * each command was for instead of guessing from its shape.
 */
export type DurablOperation =
  | 'startup'
  | 'enqueueJobs'
  | 'claimJobs'
  | 'claimOneJob'
  | 'claimConfirm'
  | 'claimSlots'
  | 'reserveStarts'
  | 'nextDueAt'
  | 'heartbeatJobs'
  | 'completeJobs'
  | 'failJobs'
  | 'releaseJobs'
  | 'acknowledgeJobs'
  | 'ackConfirm'
  | 'recoverExpiredLeases'
  | 'claimOrEnqueue'
  | 'getStats'
  | 'getJob'
  | 'listJobs'
  | 'cancelJobs'
  | 'retryJobs'
  | 'removeJobs'
  | 'purgeJobs'
  | 'changeStream'
  | 'detectTopology'
  | 'upsertSchedule'
  | 'getSchedule'
  | 'listSchedules'
  | 'patchSchedule'
  | 'removeSchedule'
  | 'fireSchedule'
  | 'registerWorker'
  | 'listWorkers'
  | 'removeWorker'
  | 'setTypeControl'
  | 'listTypeControls'

/** The prefix of every durabl command comment. */
export const COMMENT_PREFIX = 'durabl:'

export function commandComment(operation: DurablOperation): string {
  return `${COMMENT_PREFIX}${operation}`
}
