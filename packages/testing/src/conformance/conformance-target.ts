import type { Backend, BackendSession } from '@durabl/core'

/** Begins, commits and aborts the caller's transactions, for backends with `capabilities.transactions`. */
export interface ConformanceTransactions {
  /** Starts a session with an open transaction, to pass as `session` to `enqueueJobs`. */
  begin(): Promise<BackendSession>
  commit(session: BackendSession): Promise<void>
  abort(session: BackendSession): Promise<void>
}

/** What the suite needs for one test: a fresh, empty backend and how to tear it down. */
export interface ConformanceTarget {
  backend: Backend
  /** Transaction control; the transaction tests are skipped without it. */
  transactions?: ConformanceTransactions
  /**
   * The caps the backend applies to each job's `logs` and `errors`. When given, the suite checks
   * them exactly; otherwise it only checks that a long history is capped and keeps the newest.
   */
  limits?: { maxLogEntries?: number; maxErrorHistory?: number }
  /** Called after each test, after `backend.shutdown()` (drop the database, close the client). */
  cleanup?: () => Promise<void>
}

export interface ConformanceOptions {
  /** Names the top-level `describe` block, such as `MemoryBackend` or `MongoBackend (replica set)`. */
  name: string
  /** Creates a fresh, empty backend for each test. The suite calls `startup()` and `shutdown()`. */
  createBackend: () => Promise<ConformanceTarget> | ConformanceTarget
}
