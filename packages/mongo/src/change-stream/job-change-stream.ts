import type { PushStatus, PushSubscription, SubscribeParams } from '@durabl/core'
import {
  type ChangeStream,
  type Db,
  type Document,
  type MongoClient,
  MongoServerError,
  type ResumeToken,
} from 'mongodb'
import { commandComment } from '../command-comment.js'
import { redact } from '../redact.js'
import type { Topology } from './detect-topology.js'
import { type StreamCollections, streamPipeline } from './stream-pipeline.js'
import {
  broadcastStatus,
  deliverEvent,
  reportFallback,
  type Subscriber,
  toSubscriber,
} from './stream-subscribers.js'

/** The stream's aggregate and its getMores carry it. */
const CHANGE_STREAM_COMMENT = commandComment('changeStream')

/** The first wait before reopening a failed stream, doubled up to the maximum. */
export const STREAM_RETRY_INITIAL_MS = 100
export const STREAM_RETRY_MAX_MS = 5_000

/** Errors that mean the server cannot run a change stream at all. */
const NOT_SUPPORTED_CODES = new Set([
  40573, // The $changeStream stage is only supported on replica sets
  20, // IllegalOperation
  115, // CommandNotSupported
])

/**
 * The user may not open the stream: a database-level stream needs the `find` and `changeStream`
 * actions on the whole database (manual, "Change Streams: Access Control"), which a user granted
 * the jobs collection alone lacks. Permissions do not change by retrying, so polling takes over.
 */
const UNAUTHORIZED = 13

/**
 * Errors after which resuming cannot work: the resume point is no longer in the oplog, or the
 * server will never accept the token. The stream starts afresh and reports `reconnected`, so the
 * runtime's catch-up claim covers the gap.
 */
export const HISTORY_LOST_CODES: ReadonlySet<number> = new Set([
  136, // CappedPositionLost: the oplog rolled over the cursor's position
  260, // InvalidResumeToken: a token this server cannot resume from
  280, // ChangeStreamFatalError: e.g. the resume token's event is no longer in the oplog (pre-4.4 wording)
  286, // ChangeStreamHistoryLost: the resume point fell off the oplog
])

/** The stream ended with an `invalidate` event (the database was dropped). */
class StreamInvalidated extends Error {}

/** Where the stream watches: the database (`db.watch`) and the collections it reports on. */
export interface ChangeStreamSource {
  db: Pick<Db, 'watch'>
  collections: StreamCollections
}

/**
 * One database-level change stream per backend instance, shared by every `subscribe()` call: job
 * wake-ups and schedule changes ride the same cursor (see `streamPipeline`). It tells subscribers
 * `'connected'` once the stream is open, reopens itself after errors (resuming after the last
 * token it saw) and then says `'reconnected'`, as it does after a dropped connection the driver
 * resumed from by itself, or when the jobs or schedules collection was dropped or renamed, because
 * writes made meanwhile may not have been announced: the runtime answers with a catch-up claim
 * (and reads its schedules again). On a server without change streams it reports `'fallback'` once
 * and stops; polling takes over.
 */
export class JobChangeStream {
  private readonly subscribers = new Set<Subscriber>()
  private types = new Set<string>()
  private stream: ChangeStream<Document> | null = null
  private running: Promise<void> | null = null
  /** Bumped to make the running loop stop (on close, or to reopen with new types). */
  private generation = 0
  private resumeToken: ResumeToken | undefined
  /**
   * The token of an `invalidate` event: the next open starts after it (`startAfter`), because
   * mongod refuses `resumeAfter` an invalidate token (manual, "Change Events: invalidate").
   */
  private startAfterToken: ResumeToken | undefined
  private fallbackReason: string | null = null
  /** Set when the driver saw the connection drop: the stream may have missed events meanwhile. */
  private connectionTrouble = false
  private wakeRetry: (() => void) | null = null
  private readonly onConnectionTrouble = () => {
    this.connectionTrouble = true
  }

  constructor(
    private readonly source: ChangeStreamSource,
    private readonly client: MongoClient,
    private readonly topology: () => Promise<Topology>,
    /** `maxAwaitTimeMS` of the stream's getMores: how often an idle stream asks the server. */
    private readonly awaitMs: number,
  ) {}

  async subscribe(params: SubscribeParams): Promise<PushSubscription> {
    const subscriber = toSubscriber(params)
    this.subscribers.add(subscriber)
    if (this.fallbackReason !== null) {
      reportFallback(subscriber, this.fallbackReason)
    } else {
      const newTypes = params.types.filter((type) => !this.types.has(type))
      for (const type of newTypes) this.types.add(type)
      // The server-side filter names the types, so new ones need the stream reopened.
      if (this.running === null || newTypes.length > 0) this.restart()
    }
    return {
      close: async () => {
        this.subscribers.delete(subscriber)
        if (this.subscribers.size === 0) await this.close()
      },
    }
  }

  /**
   * Stops the stream; `subscribe()` may start it again. Closing the cursor is enough: a getMore
   * still waiting on the server (up to `changeStreamAwaitMs`) ends on its own and its loop exits, so
   * close does not wait for it.
   */
  async close(): Promise<void> {
    this.generation += 1
    this.running = null
    this.detachConnectionListeners()
    this.wakeRetry?.()
    const stream = this.stream
    this.stream = null
    await stream?.close().catch(() => undefined)
  }

  private restart(): void {
    this.generation += 1
    const generation = this.generation
    this.wakeRetry?.()
    const previous = this.stream
    this.stream = null
    void previous?.close().catch(() => undefined)
    this.attachConnectionListeners()
    this.running = this.run(generation)
  }

  private attachConnectionListeners(): void {
    const client = this.client
    client.off('connectionPoolCleared', this.onConnectionTrouble)
    client.off('serverHeartbeatFailed', this.onConnectionTrouble)
    client.on('connectionPoolCleared', this.onConnectionTrouble)
    client.on('serverHeartbeatFailed', this.onConnectionTrouble)
  }

  private detachConnectionListeners(): void {
    const client = this.client
    client.off('connectionPoolCleared', this.onConnectionTrouble)
    client.off('serverHeartbeatFailed', this.onConnectionTrouble)
  }

  private async run(generation: number): Promise<void> {
    let retryMs = STREAM_RETRY_INITIAL_MS
    // 'connected' on the first open (resuming after the last token seen, so a reopen misses
    // nothing); 'reconnected' once an error may have let writes go unannounced.
    let openStatus: PushStatus = { state: 'connected' }
    // Opens that failed in a row while resuming: a token the server keeps refusing (say, one from
    // an invalidate event) is dropped after two, and the stream starts afresh.
    let failedResumes = 0
    while (generation === this.generation) {
      let stream: ChangeStream<Document> | null = null
      let announced = false
      try {
        const topology = await this.topology()
        if (!topology.changeStreams) {
          this.fallback(topology.reason ?? 'change streams are not available')
          return
        }
        if (generation !== this.generation) return
        stream = this.source.db.watch<Document>(
          streamPipeline(this.source.collections, [...this.types]),
          this.startAfterToken !== undefined
            ? {
                maxAwaitTimeMS: this.awaitMs,
                comment: CHANGE_STREAM_COMMENT,
                startAfter: this.startAfterToken,
              }
            : this.resumeToken === undefined
              ? { maxAwaitTimeMS: this.awaitMs, comment: CHANGE_STREAM_COMMENT }
              : {
                  maxAwaitTimeMS: this.awaitMs,
                  comment: CHANGE_STREAM_COMMENT,
                  resumeAfter: this.resumeToken,
                },
        )
        this.stream = stream
        this.connectionTrouble = false
        // The stream covers every write from the moment its aggregate returns: the driver then
        // records the first resume token, before the first (blocking) getMore of tryNext.
        const announce = (status: PushStatus) => {
          if (announced || generation !== this.generation) return
          announced = true
          failedResumes = 0
          // Open again after the invalidate: later reopens resume after what this stream saw.
          this.startAfterToken = undefined
          this.broadcast(status)
        }
        const status = openStatus
        stream.once('resumeTokenChanged', () => announce(status))
        let change = await stream.tryNext()
        if (generation !== this.generation) return
        announce(status)
        // Only a stream that answered a getMore resets the backoff: one that opens and then fails
        // on its first fetch, again and again, must not reconnect (and broadcast) every 100 ms.
        retryMs = STREAM_RETRY_INITIAL_MS
        openStatus = { state: 'reconnected' }
        while (generation === this.generation) {
          // A dropped database ends the stream with an invalidate event: reopen after it
          // (startAfter) and report `reconnected`, so a catch-up claim covers the jobs of the
          // recreated collection.
          const invalidate = change as { operationType?: string; _id?: ResumeToken } | null
          if (invalidate?.operationType === 'invalidate') {
            this.startAfterToken = invalidate._id ?? stream.resumeToken ?? undefined
            this.resumeToken = undefined
            throw new StreamInvalidated('the watched database was dropped')
          }
          this.resumeToken = stream.resumeToken ?? this.resumeToken
          // A cursor the server closed: reopen it like after an error, so the loop never spins.
          if (stream.closed) throw new Error('the change stream was closed by the server')
          if (change !== null) this.dispatch(change)
          if (this.connectionTrouble) {
            // The driver resumed by itself after a dropped connection; say so, so the runtime
            // claims once in case the resume did not replay everything.
            this.connectionTrouble = false
            this.broadcast({ state: 'reconnected' })
          }
          change = await stream.tryNext()
        }
      } catch (error) {
        if (generation !== this.generation) return
        if (error instanceof MongoServerError && NOT_SUPPORTED_CODES.has(Number(error.code))) {
          this.fallback(`the server refused a change stream: ${redact(error.message)}`)
          return
        }
        if (error instanceof MongoServerError && Number(error.code) === UNAUTHORIZED) {
          this.fallback(
            `the database user may not open a change stream on the database (it needs the find and changeStream actions on { db: '<db>', collection: '' }): ${redact(error.message)}`,
          )
          return
        }
        openStatus = { state: 'reconnected' }
        const resuming = this.resumeToken !== undefined || this.startAfterToken !== undefined
        if (!announced && resuming && !(error instanceof StreamInvalidated)) failedResumes += 1
        const historyLost = error instanceof MongoServerError && HISTORY_LOST_CODES.has(Number(error.code))
        if (historyLost || failedResumes >= 2) {
          this.resumeToken = undefined
          this.startAfterToken = undefined
          failedResumes = 0
        }
        await this.pause(retryMs)
        retryMs = Math.min(STREAM_RETRY_MAX_MS, retryMs * 2)
      } finally {
        if (stream !== null) {
          if (this.stream === stream) this.stream = null
          await stream.close().catch(() => undefined)
        }
      }
    }
  }

  /** Waits before reopening; `close()` and `restart()` cut the wait short. */
  private pause(delayMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        if (this.wakeRetry === done) this.wakeRetry = null
        resolve()
      }
      const timer = setTimeout(done, delayMs)
      timer.unref?.()
      this.wakeRetry = done
    })
  }

  private dispatch(change: Document): void {
    deliverEvent(this.subscribers, change, this.source.collections)
  }

  private broadcast(status: PushStatus): void {
    broadcastStatus(this.subscribers, status)
  }

  private fallback(reason: string): void {
    this.fallbackReason = redact(reason)
    this.detachConnectionListeners()
    for (const subscriber of this.subscribers) reportFallback(subscriber, this.fallbackReason)
  }
}
