import { Aggregator } from 'mingo'
import { type Document, toPlain, valueKey } from '../bson-values.js'
import { toCommandError } from '../errors.js'
import { compileFilter } from '../query/select-records.js'
import type { Catalog } from '../storage/catalog.js'
import { type ChangeLog, resumeTokenFor } from './change-log.js'
import { withExpandedFields } from './update-description.js'

export interface ChangeStreamScope {
  /** Undefined: every database (a cluster-wide stream). */
  database?: string | undefined
  /** Undefined: every collection of the database. */
  collection?: string | undefined
}

/** The events one change-stream cursor has yet to deliver, with the stages that follow `$changeStream`. */
export class ChangeStream {
  private readonly matchers: ((event: Document) => boolean)[] = []
  private readonly transformingStages: Document[] | undefined

  constructor(
    private readonly changeLog: ChangeLog,
    private readonly catalog: Catalog,
    private readonly scope: ChangeStreamScope,
    stages: Document[],
    private readonly fullDocument: string,
    /** Sequence of the last event already seen; delivery starts after it. */
    public position: number,
    private readonly showExpandedEvents = false,
  ) {
    if (stages.every((stage) => '$match' in stage)) {
      for (const stage of stages) {
        const compiled = compileFilter(stage.$match)
        this.matchers.push((event) => compiled.matches(event))
      }
    } else {
      this.transformingStages = toPlain(stages) as Document[]
    }
  }

  get resumeToken(): Document {
    return resumeTokenFor(this.position)
  }

  private inScope(database: string, collection: string): boolean {
    if (this.scope.database !== undefined && this.scope.database !== database) return false
    return this.scope.collection === undefined || this.scope.collection === collection
  }

  private withLookup(event: Document): Document {
    if (event.operationType !== 'update' || this.fullDocument === 'default') return event
    const ns = event.ns as { db: string; coll: string }
    const key = valueKey((event.documentKey as Document)._id)
    const current = this.catalog.collection(ns.db, ns.coll)?.get(key)?.document ?? null
    const { ns: namespace, documentKey, updateDescription, ...head } = event
    return { ...head, fullDocument: current, ns: namespace, documentKey, updateDescription }
  }

  private transform(event: Document): Document | undefined {
    if (this.transformingStages === undefined) {
      return this.matchers.every((matches) => matches(event)) ? event : undefined
    }
    try {
      const results = new Aggregator(this.transformingStages, {}).run([toPlain(event)])
      return results[0] as Document | undefined
    } catch (error) {
      throw toCommandError(error)
    }
  }

  /** Up to `limit` events after the current position; moves the position past everything scanned. */
  nextBatch(limit: number): Document[] {
    const batch: Document[] = []
    for (const logged of this.changeLog.after(this.position)) {
      if (batch.length >= limit) break
      this.position = logged.sequence
      if (!this.inScope(logged.database, logged.collection)) continue
      const event = this.transform(this.withLookup(withExpandedFields(logged.event, this.showExpandedEvents)))
      if (event !== undefined) batch.push(event)
    }
    if (batch.length < limit) this.position = Math.max(this.position, this.changeLog.latestSequence)
    return batch
  }
}
