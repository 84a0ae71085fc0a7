/** A job whose last write shutdown gave up on at its deadline. */
export interface AbandonedWrite {
  id: string
  type: string
  /** The acknowledgement that was not confirmed: a completion, a failure, a release or a cancel. */
  write: 'complete' | 'fail' | 'release' | 'cancel'
}

/**
 * What `shutdown()` resolves to. When the deadline passed with backend calls still unanswered (a
 * database that stopped responding), shutdown stops waiting for them and lists them here. Each
 * abandoned job keeps its lease until the lease expires; lease recovery (any worker's) then
 * returns it to pending and it runs again: delivery stays at-least-once, nothing is lost.
 */
export interface ShutdownReport {
  /** True when the deadline passed before every write was confirmed. */
  timedOut: boolean
  /** Jobs whose completion, failure, release or cancel was not confirmed. */
  abandonedJobs: AbandonedWrite[]
  /**
   * Other backend work still unanswered, by operation: `claimJobs`, `nextDueAt`, `heartbeatJobs`,
   * `recoverExpiredLeases`, `subscription.close`, `startup`, `shutdown`.
   */
  abandonedOperations: string[]
}
