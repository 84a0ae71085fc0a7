import { Timestamp } from 'bson'
import type { Document } from '../bson-values.js'
import { loggedAsDelta } from './oplog-delta.js'
import { resumeTokenFor } from './resume-token.js'
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
  /** An update given as a pipeline: mongod may log it as a replacement (see `loggedAsDelta`). */
  pipelineUpdate?: boolean | undefined
}

/** A change to the catalog: a dropped or renamed collection, or a dropped database. */
export type CatalogChange =
  | { kind: 'drop'; database: string; collection: string }
  | { kind: 'rename'; database: string; collection: string; to: Namespace }
  | { kind: 'dropDatabase'; database: string }

export interface Namespace {
  database: string
  collection: string
}

export interface LoggedChange {
  readonly sequence: number
  readonly kind: ChangeKind | CatalogChange['kind']
  readonly database: string
  /** Undefined for `dropDatabase`. */
  readonly collection: string | undefined
  /** The target of a rename. */
  readonly to?: Namespace | undefined
  readonly event: Document
}

/** A pipeline update that mongod would log as a replacement is reported as `replace`. */
function reportedKind(change: ChangeInput): ChangeKind {
  if (change.kind !== 'update' || change.pipelineUpdate !== true) return change.kind
  return loggedAsDelta(change.before ?? {}, change.after ?? {}) ? 'update' : 'replace'
}

/** How many events are kept for resuming; older resume tokens get ChangeStreamHistoryLost. */
const retainedEventCount = 50_000

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
      const kind = reportedKind(change)
      const event: Document = {
        _id: resumeTokenFor(this.lastSequence),
        operationType: kind,
        clusterTime,
        wallTime,
      }
      if (kind === 'insert' || kind === 'replace') event.fullDocument = change.after
      event.ns = { db: change.database, coll: change.collection }
      event.documentKey = { _id: change.documentId }
      if (kind === 'update') event.updateDescription = describeUpdate(change.before ?? {}, change.after ?? {})
      if (change.transaction !== undefined) {
        event.lsid = change.transaction.lsid
        event.txnNumber = change.transaction.txnNumber
      }
      this.events.push({
        sequence: this.lastSequence,
        kind,
        database: change.database,
        collection: change.collection,
        event,
      })
    }
    this.appended()
  }

  /**
   * Records a drop, rename or dropped database, each at its own cluster time as mongod's oplog
   * entries are. The events have mongod's shape without `showExpandedEvents`: no collectionUUID.
   */
  appendCatalogChange(change: CatalogChange): void {
    this.lastSequence += 1
    const collection = change.kind === 'dropDatabase' ? undefined : change.collection
    const event: Document = {
      _id: resumeTokenFor(this.lastSequence),
      operationType: change.kind,
      clusterTime: this.tick(),
      wallTime: new Date(),
      ns: collection === undefined ? { db: change.database } : { db: change.database, coll: collection },
    }
    const to = change.kind === 'rename' ? change.to : undefined
    if (to !== undefined) event.to = { db: to.database, coll: to.collection }
    this.events.push({
      sequence: this.lastSequence,
      kind: change.kind,
      database: change.database,
      collection,
      to,
      event,
    })
    this.appended()
  }

  private appended(): void {
    if (this.events.length > retainedEventCount)
      this.events.splice(0, this.events.length - retainedEventCount)
    for (const wake of [...this.waiters]) wake()
  }

  /** The change with this sequence number, if it is still retained. */
  at(sequence: number): LoggedChange | undefined {
    const position = this.firstPositionAfter(sequence - 1)
    const logged = this.events[position]
    return logged?.sequence === sequence ? logged : undefined
  }

  private firstPositionAfter(sequence: number): number {
    let low = 0
    let high = this.events.length
    while (low < high) {
      const middle = (low + high) >> 1
      if (this.events[middle]!.sequence <= sequence) low = middle + 1
      else high = middle
    }
    return low
  }

  /** Events with a sequence number greater than `sequence`, oldest first. */
  *after(sequence: number): Iterable<LoggedChange> {
    for (let position = this.firstPositionAfter(sequence); position < this.events.length; position += 1)
      yield this.events[position]!
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
