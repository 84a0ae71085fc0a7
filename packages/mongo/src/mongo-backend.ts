import {
  type AcknowledgeJobsParams,
  type AcknowledgeResult,
  type AckResult,
  type Backend,
  type BackendCapabilities,
  BackendError,
  type ClaimJobsParams,
  type ClaimOrEnqueueParams,
  type ClaimOrEnqueueResult,
  type CompleteJobsParams,
  type ControlStore,
  type EnqueueJobsParams,
  type FailJobsParams,
  type FailResult,
  type GetStatsParams,
  type HeartbeatJobsParams,
  type HeartbeatResult,
  type Job,
  type ListJobsParams,
  type ListJobsResult,
  type NextDueAtParams,
  type PushSubscription,
  type QueueStats,
  type RecoverExpiredLeasesParams,
  type RecoverResult,
  type ReleaseJobsParams,
  type ReleaseResult,
  type ScheduleStore,
  type SelectJobsParams,
  type SubscribeParams,
  type WorkerRegistry,
} from '@durabl/core'
import { type ClientSession, type Collection, MongoError, ReadPreference } from 'mongodb'
import { detectTopology, type Topology } from './change-stream/detect-topology.js'
import { JobChangeStream } from './change-stream/job-change-stream.js'
import { checkShardedLayout } from './check-sharded-layout.js'
import type { ControlDocument } from './controls/control-document.js'
import { MongoControlStore } from './controls/mongo-control-store.js'
import { createJobIndexes, createLimiterIndexes } from './indexes.js'
import type { JobDocument } from './job-document.js'
import type { OperationContext } from './operation-context.js'
import { acknowledgeJobs } from './operations/acknowledge-jobs.js'
import { cancelJobs } from './operations/cancel-jobs.js'
import { ClaimContention } from './operations/claim-contention.js'
import { claimJobs } from './operations/claim-jobs.js'
import { claimOrEnqueue } from './operations/claim-or-enqueue.js'
import { completeJobs } from './operations/complete-jobs.js'
import { enqueueJobs } from './operations/enqueue-jobs.js'
import { failJobs } from './operations/fail-jobs.js'
import { getJob } from './operations/get-job.js'
import { getStats } from './operations/get-stats.js'
import { heartbeatJobs } from './operations/heartbeat-jobs.js'
import { listJobs } from './operations/list-jobs.js'
import { nextDueAt } from './operations/next-due-at.js'
import { type PurgeJobsParams, purgeJobs } from './operations/purge-jobs.js'
import { recoverExpiredLeases } from './operations/recover-expired-leases.js'
import { releaseJobs } from './operations/release-jobs.js'
import { removeJobs } from './operations/remove-jobs.js'
import type { LimiterDocument } from './operations/reserve-starts.js'
import { retryJobs } from './operations/retry-jobs.js'
import {
  type MongoBackendOptions,
  type ResolvedMongoBackendOptions,
  resolveMongoBackendOptions,
} from './options.js'
import { MongoScheduleStore } from './schedules/mongo-schedule-store.js'
import type { ScheduleDocument } from './schedules/schedule-document.js'
import { runOperation, toBackendError } from './to-backend-error.js'
import { createWorkerIndexes } from './workers/create-worker-indexes.js'
import { MongoWorkerRegistry } from './workers/mongo-worker-registry.js'
import type { WorkerDocument } from './workers/worker-document.js'

/**
 * How the backend reads: from the primary, with local read concern, whatever the client's or the
 * database's defaults. Its reads check writes it just made (a claim's read-back, acknowledgement
 * checks, failJobs' read, recovery probes, admin read-modify-write): a secondary, or a majority
 * snapshot, may not have them yet, and a won claim would look lost.
 */
export const OWN_WRITES_READ = {
  readPreference: ReadPreference.primary,
  readConcern: { level: 'local' as const },
}

/**
 * The MongoDB backend: jobs live in one collection, schedules, workers and type controls in others;
 * every state change is a guarded single-document write; claims and acknowledgements are batched
 * into one round trip each; push (job wake-ups, cancel requests, schedule and control changes)
 * rides one database-level change stream with polling as the safety net. Operations live one per file under `operations/`; this
 * class wires them to the contract and turns driver errors into `BackendError`s.
 */
export class MongoBackend implements Backend {
  readonly name = 'mongo'
  readonly capabilities: BackendCapabilities
  readonly options: ResolvedMongoBackendOptions
  readonly collection: Collection<JobDocument>
  /** The schedules collection (`schedulesCollectionName`). */
  readonly schedulesCollection: Collection<ScheduleDocument>
  /** Stored schedules (recurring jobs); see `ScheduleStore` in `@durabl/core`. */
  readonly schedules: ScheduleStore
  /** Started queues, one document each in `workersCollectionName` (see `WorkerRegistry` in `@durabl/core`). */
  readonly workers: WorkerRegistry
  /**
   * Fleet-wide pause and resume per job type, one document per type in `controlsCollectionName`
   * (see `ControlStore` in `@durabl/core`); changes ride the change stream (`onControlChange`).
   */
  readonly controls: ControlStore
  /** The rate limiters' sliding logs (`limitersCollectionName`; see docs/limits.md). */
  readonly limitersCollection: Collection<LimiterDocument>
  /** Present when `useChangeStreams` is not false (see `capabilities.push`). */
  readonly subscribe?: (params: SubscribeParams) => Promise<PushSubscription>

  private readonly context: OperationContext
  private readonly contention: ClaimContention
  private topology: Promise<Topology> | null = null
  private changeStream: JobChangeStream | null = null

  constructor(options: MongoBackendOptions) {
    this.options = resolveMongoBackendOptions(options)
    this.collection = this.options.db.collection<JobDocument>(this.options.collectionName, OWN_WRITES_READ)
    this.schedulesCollection = this.options.db.collection<ScheduleDocument>(
      this.options.schedulesCollectionName,
      OWN_WRITES_READ,
    )
    this.limitersCollection = this.options.db.collection<LimiterDocument>(
      this.options.limitersCollectionName,
      OWN_WRITES_READ,
    )
    this.context = { collection: this.collection, options: this.options }
    this.schedules = new MongoScheduleStore({ ...this.context, schedules: this.schedulesCollection })
    this.workers = new MongoWorkerRegistry({
      workers: this.options.db.collection<WorkerDocument>(
        this.options.workersCollectionName,
        OWN_WRITES_READ,
      ),
    })
    this.controls = new MongoControlStore({
      controls: this.options.db.collection<ControlDocument>(
        this.options.controlsCollectionName,
        OWN_WRITES_READ,
      ),
    })
    this.contention = new ClaimContention(this.options.claimSpreadMax)
    this.capabilities = {
      push: this.options.useChangeStreams !== false,
      transactions: true,
      bulkEnqueue: true,
      durable: true,
      inline: false,
      schedules: true,
      workers: true,
      controls: true,
    }
    if (this.capabilities.push) {
      this.subscribe = (params) => this.openSubscription(params)
    }
  }

  /**
   * Asks the server what it is (one `hello`): `capabilities.transactions` follows (false on a
   * standalone server), and on a sharded cluster a sharded jobs collection is refused (see
   * docs/decisions/0007-sharded-clusters.md). Then creates the indexes (unless `createIndexes:
   * false`) and, with `useChangeStreams: true`, checks that the server can run change streams.
   * Idempotent.
   */
  async startup(): Promise<void> {
    await runOperation('startup', async () => {
      const topology = await this.detectTopology()
      this.capabilities.transactions = topology.transactions
      if (topology.sharded) await checkShardedLayout(this.options.db, this.options.collectionName)
      if (this.options.createIndexes) {
        await createJobIndexes(this.options.db, this.collection.collectionName)
        await createWorkerIndexes(this.options.db, this.options.workersCollectionName)
        await createLimiterIndexes(this.options.db, this.options.limitersCollectionName)
      }
      if (this.options.useChangeStreams === true) {
        if (!topology.changeStreams) {
          throw new BackendError(
            'startup',
            `useChangeStreams is true but ${topology.reason}; use a replica set, or set useChangeStreams to 'auto' to fall back to polling`,
          )
        }
      }
    })
  }

  /** Closes the change stream. Never closes the caller's MongoClient. */
  async shutdown(): Promise<void> {
    await this.changeStream?.close()
  }

  async enqueueJobs(params: EnqueueJobsParams): Promise<Array<string | null>> {
    try {
      return await enqueueJobs(this.context, params)
    } catch (error) {
      // Inside the caller's transaction, an error labelled for a transaction retry is passed
      // through as the driver threw it, so `session.withTransaction()` retries the transaction.
      const inTransaction = (params?.session as ClientSession | undefined)?.inTransaction?.() === true
      if (inTransaction && error instanceof MongoError && error.hasErrorLabel('TransientTransactionError'))
        throw error
      throw toBackendError('enqueueJobs', error)
    }
  }

  claimJobs(params: ClaimJobsParams): Promise<Job[]> {
    return runOperation('claimJobs', () =>
      claimJobs(this.context, this.contention, this.limitersCollection, params),
    )
  }

  nextDueAt(params: NextDueAtParams): Promise<Date | null> {
    return runOperation('nextDueAt', () => nextDueAt(this.context, params))
  }

  heartbeatJobs(params: HeartbeatJobsParams): Promise<HeartbeatResult> {
    return runOperation('heartbeatJobs', () => heartbeatJobs(this.context, params))
  }

  completeJobs(params: CompleteJobsParams): Promise<AckResult> {
    return runOperation('completeJobs', () => completeJobs(this.context, params))
  }

  failJobs(params: FailJobsParams): Promise<FailResult> {
    return runOperation('failJobs', () => failJobs(this.context, params))
  }

  releaseJobs(params: ReleaseJobsParams): Promise<ReleaseResult> {
    return runOperation('releaseJobs', () => releaseJobs(this.context, params))
  }

  acknowledgeJobs(params: AcknowledgeJobsParams): Promise<AcknowledgeResult> {
    return runOperation('acknowledgeJobs', () => acknowledgeJobs(this.context, params))
  }

  recoverExpiredLeases(params: RecoverExpiredLeasesParams): Promise<RecoverResult> {
    return runOperation('recoverExpiredLeases', () => recoverExpiredLeases(this.context, params))
  }

  claimOrEnqueue(params: ClaimOrEnqueueParams): Promise<ClaimOrEnqueueResult> {
    return runOperation('claimOrEnqueue', () => claimOrEnqueue(this.context, params))
  }

  getStats(params: GetStatsParams): Promise<QueueStats> {
    return runOperation('getStats', () => getStats(this.context, params))
  }

  getJob(params: { id: string }): Promise<Job | null> {
    return runOperation('getJob', () => getJob(this.context, params))
  }

  listJobs(params: ListJobsParams): Promise<ListJobsResult> {
    return runOperation('listJobs', () => listJobs(this.context, params))
  }

  cancelJobs(params: SelectJobsParams): Promise<string[]> {
    return runOperation('cancelJobs', () => cancelJobs(this.context, params))
  }

  retryJobs(params: SelectJobsParams): Promise<string[]> {
    return runOperation('retryJobs', () => retryJobs(this.context, params))
  }

  removeJobs(params: SelectJobsParams): Promise<number> {
    return runOperation('removeJobs', () => removeJobs(this.context, params))
  }

  /** Deletes finished jobs that finished before `finishedBefore` (for the CLI). Returns the count. */
  purgeJobs(params: PurgeJobsParams): Promise<number> {
    return runOperation('purgeJobs', () => purgeJobs(this.context, params))
  }

  private detectTopology(): Promise<Topology> {
    if (this.topology === null) {
      this.topology = detectTopology(this.options.db).catch((error: unknown) => {
        // Not cached: a server that was unreachable may answer next time.
        this.topology = null
        throw error
      })
    }
    return this.topology
  }

  private openSubscription(params: SubscribeParams): Promise<PushSubscription> {
    if (this.changeStream === null) {
      this.changeStream = new JobChangeStream(
        {
          // The stream keeps the database's read settings: change streams read majority-committed
          // events on the server whatever is asked, and may run on a secondary.
          db: this.options.db,
          collections: {
            jobs: this.options.collectionName,
            schedules: this.options.schedulesCollectionName,
            controls: this.options.controlsCollectionName,
          },
        },
        this.options.db.client,
        () => this.detectTopology(),
        this.options.changeStreamAwaitMs,
      )
    }
    return this.changeStream.subscribe(params)
  }
}
