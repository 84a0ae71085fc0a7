import type { JobState } from './job.js'

/**
 * Every allowed state change, as one table. Backends apply these as guarded compare-and-set
 * operations; transitions out of `active` also match the lease token.
 */
export type TransitionName =
  | 'claim'
  | 'complete'
  | 'retry'
  | 'fail'
  | 'release'
  | 'recover'
  | 'recover-fail'
  | 'recover-cancel'
  | 'cancel'
  | 'cancel-running'
  | 'rerun'

export interface Transition {
  name: TransitionName
  from: JobState
  to: JobState
  /** True when the backend must match the current lease token (fencing). */
  requiresLease: boolean
  description: string
}

export const TRANSITIONS: readonly Transition[] = [
  {
    name: 'claim',
    from: 'pending',
    to: 'active',
    requiresLease: false,
    description: 'a worker takes a due job and gets a fresh lease token',
  },
  {
    name: 'complete',
    from: 'active',
    to: 'completed',
    requiresLease: true,
    description: 'the handler returned or called ctx.complete()',
  },
  {
    name: 'retry',
    from: 'active',
    to: 'pending',
    requiresLease: true,
    description: 'the attempt failed and attempts remain; due again after the backoff',
  },
  {
    name: 'fail',
    from: 'active',
    to: 'failed',
    requiresLease: true,
    description: 'the attempt failed fatally or at the attempt cap',
  },
  {
    name: 'release',
    from: 'active',
    to: 'pending',
    requiresLease: true,
    description:
      'shutdown gave the job back (due at once), or the handler snoozed it (due at runAt); the attempt is not counted',
  },
  {
    name: 'recover',
    from: 'active',
    to: 'pending',
    requiresLease: false,
    description: 'the lease expired (worker died) and attempts remain',
  },
  {
    name: 'recover-fail',
    from: 'active',
    to: 'failed',
    requiresLease: false,
    description: 'the lease expired at the attempt cap',
  },
  {
    name: 'recover-cancel',
    from: 'active',
    to: 'cancelled',
    requiresLease: false,
    description: 'the lease expired on a job whose cancel was requested (its worker died)',
  },
  {
    name: 'cancel',
    from: 'pending',
    to: 'cancelled',
    requiresLease: false,
    description: 'an operator or the application cancelled a job that had not started',
  },
  {
    name: 'cancel-running',
    from: 'active',
    to: 'cancelled',
    requiresLease: true,
    description: 'a cancel was requested while the job ran; the worker holding the lease ended it',
  },
  {
    name: 'rerun',
    from: 'failed',
    to: 'pending',
    requiresLease: false,
    description: 'an operator retried a failed job; attempts start again',
  },
  {
    name: 'rerun',
    from: 'cancelled',
    to: 'pending',
    requiresLease: false,
    description: 'an operator retried a cancelled job; attempts start again',
  },
  {
    name: 'rerun',
    from: 'completed',
    to: 'pending',
    requiresLease: false,
    description: 'an operator ran a completed job again',
  },
]

/** The transition with this name from this state, or undefined when it is not allowed. */
export function findTransition(name: TransitionName, from: JobState): Transition | undefined {
  return TRANSITIONS.find((transition) => transition.name === name && transition.from === from)
}

/** True when some transition leads from `from` to `to`. */
export function canTransition(from: JobState, to: JobState): boolean {
  return TRANSITIONS.some((transition) => transition.from === from && transition.to === to)
}

/** The states a transition may start from. */
export function statesAllowing(name: TransitionName): JobState[] {
  return TRANSITIONS.filter((transition) => transition.name === name).map((transition) => transition.from)
}
