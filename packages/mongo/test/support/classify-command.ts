import type { CommandStartedEvent } from 'mongodb'

/** What a worker-side command was for, read from its `comment: 'durabl:<operation>'`. */
export type CommandPurpose =
  | 'enqueue'
  | 'claim'
  | 'claimConfirm'
  | 'nextDue'
  | 'ack'
  | 'heartbeat'
  | 'recovery'
  | 'push'
  | 'other'

const PURPOSES: Record<string, CommandPurpose> = {
  enqueueJobs: 'enqueue',
  claimJobs: 'claim',
  claimOneJob: 'claim',
  claimConfirm: 'claimConfirm',
  // A limited type's claim: its slot read and its rate reservations (see docs/limits.md).
  claimSlots: 'claim',
  reserveStarts: 'claim',
  nextDueAt: 'nextDue',
  completeJobs: 'ack',
  failJobs: 'ack',
  releaseJobs: 'ack',
  acknowledgeJobs: 'ack',
  ackConfirm: 'ack',
  heartbeatJobs: 'heartbeat',
  recoverExpiredLeases: 'recovery',
  changeStream: 'push',
}

/** The operation a durabl command names in its comment, or null for any other command. */
export function durablOperationOf(event: CommandStartedEvent): string | null {
  const comment: unknown = event.command.comment
  return typeof comment === 'string' && comment.startsWith('durabl:') ? comment.slice('durabl:'.length) : null
}

export function classifyCommand(event: CommandStartedEvent): CommandPurpose {
  const operation = durablOperationOf(event)
  return operation === null ? 'other' : (PURPOSES[operation] ?? 'other')
}
