import type { Binary } from 'bson'
import type { Document } from '../bson-values.js'
import type { Catalog } from '../storage/catalog.js'
import { Transaction } from './transaction.js'
import { TransactionTable } from './transaction-table.js'

/** How many retryable-write replies each session remembers. The driver retries only the last. */
const retainedRepliesPerSession = 16

export interface SessionState {
  readonly key: string
  readonly lsid: Document
  transaction: Transaction | undefined
  /** Replies of retryable writes by txnNumber, so a retried write is not applied twice. */
  readonly retryReplies: Map<string, Document>
  /** When a command last named this session (for `$listLocalSessions`). */
  lastUse: Date
}

export function sessionKeyOf(lsid: unknown): string | undefined {
  const id = (lsid as { id?: Binary } | undefined)?.id
  if (id === undefined || typeof (id as Binary).toString !== 'function') return undefined
  return (id as Binary).toString('hex')
}

export class SessionRegistry {
  private readonly sessions = new Map<string, SessionState>()
  readonly transactions: TransactionTable

  constructor(catalog: Catalog) {
    this.transactions = new TransactionTable(catalog)
  }

  session(lsid: unknown): SessionState | undefined {
    const key = sessionKeyOf(lsid)
    if (key === undefined) return undefined
    let session = this.sessions.get(key)
    if (session === undefined) {
      session = {
        key,
        lsid: lsid as Document,
        transaction: undefined,
        retryReplies: new Map(),
        lastUse: new Date(),
      }
      this.sessions.set(key, session)
    }
    session.lastUse = new Date()
    return session
  }

  startTransaction(session: SessionState, txnNumber: string): Transaction {
    session.transaction?.abort()
    session.transaction = new Transaction(session.key, session.lsid, txnNumber, this.transactions)
    return session.transaction
  }

  rememberReply(session: SessionState, txnNumber: string, reply: Document): void {
    session.retryReplies.set(txnNumber, reply)
    if (session.retryReplies.size > retainedRepliesPerSession) {
      const oldest = session.retryReplies.keys().next().value
      if (oldest !== undefined) session.retryReplies.delete(oldest)
    }
  }

  /** Ends sessions: their open transactions abort, as on endSessions/killSessions. */
  end(lsids: unknown[]): void {
    for (const lsid of lsids) {
      const key = sessionKeyOf(lsid)
      if (key === undefined) continue
      this.sessions.get(key)?.transaction?.abort()
      this.sessions.delete(key)
    }
  }

  endAll(): void {
    this.transactions.abortAll()
    this.sessions.clear()
  }

  /** Every session this server knows of, as mongod's logical session cache lists them. */
  all(): SessionState[] {
    return [...this.sessions.values()]
  }

  get size(): number {
    return this.sessions.size
  }
}
