import { QueueStateError } from '@durabl/core'
import type { StoredJob } from './claim-order.js'

/** What a session's owner does when its transaction ends. */
interface SessionOwner {
  /** Writes the staged jobs, or throws (writing none) when one now breaks a dedupe rule. */
  commit(staged: StoredJob[]): void
}

interface SessionState {
  owner: SessionOwner
  staged: StoredJob[]
  inTransaction: boolean
  ended: boolean
}

// Kept off the public class so callers see only the transaction API.
const states = new WeakMap<MemorySession, SessionState>()

/**
 * A transaction over a `MemoryBackend`, shaped like a MongoDB `ClientSession` so tests read the
 * same. `backend.startSession()` returns one with a transaction already started. Jobs enqueued
 * with it are invisible to every read and claim until `commitTransaction()`, and vanish on
 * `abortTransaction()`. At commit, each staged job's dedupe key is checked again against the jobs
 * committed meanwhile; if one is now blocked, the commit throws a transient `BackendError` and
 * writes none of the transaction's jobs (as a write conflict aborts a MongoDB transaction).
 */
export class MemorySession {
  constructor(owner: SessionOwner) {
    states.set(this, { owner, staged: [], inTransaction: true, ended: false })
  }

  /** True between `startTransaction()` (or `startSession()`) and commit or abort. */
  get inTransaction(): boolean {
    return stateOf(this).inTransaction
  }

  /** True after `endSession()`. */
  get hasEnded(): boolean {
    return stateOf(this).ended
  }

  /** Starts another transaction after the previous one committed or aborted. */
  startTransaction(): void {
    const state = stateOf(this)
    if (state.ended) throw new QueueStateError('startTransaction() was called on an ended MemorySession')
    if (state.inTransaction)
      throw new QueueStateError('startTransaction() was called while a transaction is open')
    state.inTransaction = true
  }

  /** Makes the transaction's jobs visible, or throws and writes none of them (see the class comment). */
  async commitTransaction(): Promise<void> {
    const state = requireTransaction(this, 'commitTransaction')
    const staged = state.staged
    state.staged = []
    state.inTransaction = false
    state.owner.commit(staged)
  }

  /** Drops the transaction's jobs: they never existed. */
  async abortTransaction(): Promise<void> {
    const state = requireTransaction(this, 'abortTransaction')
    state.staged = []
    state.inTransaction = false
  }

  /** Aborts an open transaction and ends the session. */
  async endSession(): Promise<void> {
    const state = stateOf(this)
    state.staged = []
    state.inTransaction = false
    state.ended = true
  }
}

function stateOf(session: MemorySession): SessionState {
  const state = states.get(session)
  if (state === undefined) throw new QueueStateError('this MemorySession was not created by a MemoryBackend')
  return state
}

function requireTransaction(session: MemorySession, operation: string): SessionState {
  const state = stateOf(session)
  if (!state.inTransaction) throw new QueueStateError(`${operation}() was called with no open transaction`)
  return state
}

/** The owner of a session, for checking that a session belongs to the backend it is used with. */
export function sessionOwner(session: unknown): SessionOwner | undefined {
  return session instanceof MemorySession ? states.get(session)?.owner : undefined
}

/** Adds jobs to the session's open transaction. */
export function stageJobs(session: MemorySession, jobs: StoredJob[]): void {
  const state = requireTransaction(session, 'enqueueJobs')
  state.staged.push(...jobs)
}

/** The jobs staged in the session's open transaction (for dedupe checks inside the transaction). */
export function stagedJobs(session: MemorySession): readonly StoredJob[] {
  return stateOf(session).staged
}
