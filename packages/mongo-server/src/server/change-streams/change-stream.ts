import { type Document, valueKey } from '../bson-values.js'
import type { Catalog } from '../storage/catalog.js'
import type { ChangeLog, LoggedChange, Namespace } from './change-log.js'
import { ChangeStreamPipeline } from './change-stream-pipeline.js'
import { resumeTokenFor } from './resume-token.js'
import { withExpandedFields } from './update-description.js'

export interface ChangeStreamScope {
  /** Undefined: every database (a cluster-wide stream). */
  database?: string | undefined
  /** Undefined: every collection of the database. */
  collection?: string | undefined
}

export interface ChangeStreamStart {
  /** Sequence of the last change already seen; delivery starts after it. */
  position: number
  /**
   * True when the client resumes after a change's own token: if that change invalidated this
   * stream (a drop, say), the invalidate event is still owed, as mongod delivers it again.
   */
  resumedAfterChange: boolean
}

/**
 * The events one change-stream cursor has yet to deliver, with the stages that follow
 * `$changeStream`. A drop or rename of the watched collection (or a dropped database, for a
 * database stream) is followed by an `invalidate` event, after which the stream is finished: its
 * cursor closes and its resume token is the invalidate's, which only `startAfter` accepts.
 */
export class ChangeStream {
  private readonly pipeline: ChangeStreamPipeline
  private position: number
  /** The change whose invalidate event has yet to be delivered. */
  private owedInvalidate: LoggedChange | undefined
  /** Sequence of the change that invalidated the stream, once its invalidate is delivered. */
  private invalidatedBy: number | undefined

  constructor(
    private readonly changeLog: ChangeLog,
    private readonly catalog: Catalog,
    private readonly scope: ChangeStreamScope,
    stages: Document[],
    private readonly fullDocument: string,
    start: ChangeStreamStart,
    private readonly showExpandedEvents = false,
  ) {
    this.pipeline = new ChangeStreamPipeline(stages)
    this.position = start.position
    const resumedAt = start.resumedAfterChange ? changeLog.at(start.position) : undefined
    if (resumedAt !== undefined && this.isInvalidatedBy(resumedAt)) this.owedInvalidate = resumedAt
  }

  /** True once the invalidate event has been delivered (or filtered out by the stages). */
  get finished(): boolean {
    return this.invalidatedBy !== undefined
  }

  get resumeToken(): Document {
    if (this.invalidatedBy !== undefined) return resumeTokenFor(this.invalidatedBy, true)
    return resumeTokenFor(this.position)
  }

  private watches(namespace: { database: string; collection: string | undefined }): boolean {
    if (this.scope.database !== undefined && this.scope.database !== namespace.database) return false
    return this.scope.collection === undefined || this.scope.collection === namespace.collection
  }

  /** A rename concerns the streams on its source and on its target. */
  private inScope(logged: LoggedChange): boolean {
    return this.watches(logged) || (logged.to !== undefined && this.watches(logged.to))
  }

  private isInvalidatedBy(logged: LoggedChange): boolean {
    const { database, collection } = this.scope
    if (database === undefined) return false
    if (collection === undefined) return logged.kind === 'dropDatabase' && logged.database === database
    const watched = (namespace: Namespace | undefined) =>
      namespace?.database === database && namespace.collection === collection
    if (logged.kind === 'drop') return watched({ database: logged.database, collection: logged.collection! })
    if (logged.kind !== 'rename') return false
    return watched(logged.to) || (logged.database === database && logged.collection === collection)
  }

  private withLookup(event: Document): Document {
    if (event.operationType !== 'update' || this.fullDocument === 'default') return event
    const ns = event.ns as { db: string; coll: string }
    const key = valueKey((event.documentKey as Document)._id)
    const current = this.catalog.collection(ns.db, ns.coll)?.get(key)?.document ?? null
    const { ns: namespace, documentKey, updateDescription, ...head } = event
    return { ...head, fullDocument: current, ns: namespace, documentKey, updateDescription }
  }

  /** Delivers the owed invalidate event (the stages may filter it out) and finishes the stream. */
  private invalidate(batch: Document[]): void {
    const cause = this.owedInvalidate!
    this.owedInvalidate = undefined
    this.invalidatedBy = cause.sequence
    const event = this.pipeline.apply({
      _id: resumeTokenFor(cause.sequence, true),
      operationType: 'invalidate',
      clusterTime: cause.event.clusterTime,
      wallTime: cause.event.wallTime,
    })
    if (event !== undefined) batch.push(event)
  }

  /** Up to `limit` events after the current position; moves the position past everything scanned. */
  nextBatch(limit: number): Document[] {
    const batch: Document[] = []
    if (this.finished) return batch
    if (this.owedInvalidate === undefined) {
      for (const logged of this.changeLog.after(this.position)) {
        if (batch.length >= limit) break
        this.position = logged.sequence
        if (this.inScope(logged)) {
          const event = this.pipeline.apply(
            this.withLookup(withExpandedFields(logged.event, this.showExpandedEvents)),
          )
          if (event !== undefined) batch.push(event)
        }
        if (this.isInvalidatedBy(logged)) {
          this.owedInvalidate = logged
          break
        }
      }
    }
    if (batch.length >= limit) return batch
    if (this.owedInvalidate !== undefined) this.invalidate(batch)
    else this.position = Math.max(this.position, this.changeLog.latestSequence)
    return batch
  }
}
