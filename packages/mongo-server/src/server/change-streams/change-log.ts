import { Timestamp } from 'bson'
import type { Document } from '../bson-values.js'
import { describeUpdate } from './update-description.js'

export type ChangeKind = 'insert' | 'update' | 'replace' | 'delete'

/** A committed write, as recorded by the storage layer. */
export interface ChangeInput {
  kind: ChangeKind
  database: string
  collection: string
  documentId: unknown
  before?: Document | undefined
  after?: Document | undefined
  /** Set for writes committed by a transaction. */
  transaction?: { lsid: Document; txnNumber: unknown } | undefined
}

export interface LoggedChange {
  readonly sequence: number
  readonly database: string
  readonly collection: string
  readonly event: Document
}

/** How many events are kept for resuming; older resume tokens get ChangeStreamHistoryLost. */
const retainedEventCount = 50_000

/** Resume tokens are opaque to clients; ours encode the event's sequence number in hex. */
export function resumeTokenFor(sequence: number): Document {
  return { _data: `82${sequence.toString(16).padStart(16, '0').toUpperCase()}` }
}

export function sequenceOfToken(token: unknown): number | undefined {
  const data = (token as { _data?: unknown } | null)?._data
  if (typeof data !== 'string' || !/^82[0-9A-Fa-f]{16}$/.test(data)) return undefined
  return Number.parseInt(data.slice(2), 16)
}

/** The server's change history (an oplog in miniature) and the clock that stamps it. */
export class ChangeLog {
  private events: LoggedChange[] = []
  private waiters = new Set<() => void>()
  private lastSequence = 0
  // The clock starts at the server's start, so every reply carries a real cluster time.
  private lastSeconds = Math.floor(Date.now() / 1000)
  private lastIncrement = 1

  get latestSequence(): number {
    return this.lastSequence
  }

  get oldestRetainedSequence(): number {
    return this.events[0]?.sequence ?? this.lastSequence + 1
  }

  /** The next cluster time: seconds since the epoch and an increment, strictly increasing. */
  tick(): Timestamp {
    const seconds = Math.floor(Date.now() / 1000)
    if (seconds > this.lastSeconds) {
      this.lastSeconds = seconds
      this.lastIncrement = 1
    } else {
      this.lastIncrement += 1
    }
    return new Timestamp({ t: this.lastSeconds, i: this.lastIncrement })
  }

  currentTime(): Timestamp {
    return new Timestamp({ t: this.lastSeconds, i: this.lastIncrement })
  }

  /** Records committed writes; a transaction's writes share one cluster time, as in MongoDB. */
  append(changes: ChangeInput[]): void {
    if (changes.length === 0) return
    const clusterTime = this.tick()
    const wallTime = new Date()
    for (const change of changes) {
      this.lastSequence += 1
      const event: Document = {
        _id: resumeTokenFor(this.lastSequence),
        operationType: change.kind,
        clusterTime,
        wallTime,
      }
      if (change.kind === 'insert' || change.kind === 'replace') event.fullDocument = change.after
      event.ns = { db: change.database, coll: change.collection }
      event.documentKey = { _id: change.documentId }
      if (change.kind === 'update')
        event.updateDescription = describeUpdate(change.before ?? {}, change.after ?? {})
      if (change.transaction !== undefined) {
        event.lsid = change.transaction.lsid
        event.txnNumber = change.transaction.txnNumber
      }
      this.events.push({
        sequence: this.lastSequence,
        database: change.database,
        collection: change.collection,
        event,
      })
    }
    if (this.events.length > retainedEventCount)
      this.events.splice(0, this.events.length - retainedEventCount)
    for (const wake of [...this.waiters]) wake()
  }

  /** Events with a sequence number greater than `sequence`, oldest first. */
  *after(sequence: number): Iterable<LoggedChange> {
    let low = 0
    let high = this.events.length
    while (low < high) {
      const middle = (low + high) >> 1
      if (this.events[middle]!.sequence <= sequence) low = middle + 1
      else high = middle
    }
    for (let position = low; position < this.events.length; position += 1) yield this.events[position]!
  }

  /** The sequence of the last event before the given cluster time (for `startAtOperationTime`). */
  sequenceBefore(time: Timestamp): number {
    let sequence = this.oldestRetainedSequence - 1
    for (const logged of this.events) {
      if ((logged.event.clusterTime as Timestamp).compare(time) >= 0) break
      sequence = logged.sequence
    }
    return sequence
  }

  /** Resolves when an event is appended, `timeoutMs` passes, or `wake` is called on the returned handle. */
  waitForChange(timeoutMs: number): { promise: Promise<void>; wake: () => void } {
    let wake: () => void = () => {}
    const promise = new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs)
      function done() {
        clearTimeout(timer)
        resolve()
      }
      wake = done
    })
    const waiter = () => wake()
    this.waiters.add(waiter)
    return {
      promise: promise.finally(() => this.waiters.delete(waiter)),
      wake: () => wake(),
    }
  }

  /** Wakes every blocked getMore, e.g. when change stream cursors are killed. */
  wakeAll(): void {
    for (const wake of [...this.waiters]) wake()
  }
}
