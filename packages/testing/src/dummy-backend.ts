import type {
  AckResult,
  Backend,
  BackendCapabilities,
  ClaimJobsParams,
  ClaimOrEnqueueParams,
  ClaimOrEnqueueResult,
  CompleteJobsParams,
  EnqueueJobsParams,
  FailJobsParams,
  FailResult,
  GetStatsParams,
  HeartbeatJobsParams,
  HeartbeatResult,
  Job,
  ListJobsParams,
  ListJobsResult,
  NextDueAtParams,
  QueueStats,
  RecoverExpiredLeasesParams,
  RecoverResult,
  ReleaseJobsParams,
  ReleaseResult,
  SelectJobsParams,
} from '@durabl/core'
import { MemoryBackend } from './memory-backend/memory-backend.js'
import type { MemoryBackendOptions } from './memory-backend/memory-backend-options.js'

/** One call a DummyBackend received, with the params object as passed. */
export interface DummyBackendCall {
  method: Exclude<keyof Backend, 'name' | 'capabilities'>
  params: unknown
}

/**
 * Records what was enqueued and runs nothing: for tests of code that enqueues jobs, asserting on
 * `backend.jobs` or `backend.enqueued('type')`. `claimJobs` always returns `[]` and
 * `claimOrEnqueue` only enqueues, so jobs stay pending. Dedupe keys still apply, so code that
 * handles a `null` (duplicate) enqueue is testable.
 *
 * A `session` is accepted and recorded in `calls`, but the jobs are written at once: the dummy
 * does not model commit or abort (use `MemoryBackend.startSession()` for that).
 */
export class DummyBackend extends MemoryBackend {
  override readonly name: string = 'dummy'
  override readonly capabilities: BackendCapabilities = {
    push: false,
    transactions: true,
    bulkEnqueue: true,
    durable: false,
    inline: false,
  }
  /** Every backend call received, oldest first. */
  readonly calls: DummyBackendCall[] = []

  constructor(options: MemoryBackendOptions = {}) {
    super(options)
  }

  /** Copies of every stored job, in the order they were enqueued. */
  get jobs(): Job[] {
    return this.snapshotJobs()
  }

  /** The stored jobs of one type (all types when absent), in the order they were enqueued. */
  enqueued(type?: string): Job[] {
    return this.snapshotJobs().filter((job) => type === undefined || job.type === type)
  }

  /** Forgets every job and call, as between tests. */
  clear(): void {
    this.store.clear()
    this.calls.length = 0
  }

  override async enqueueJobs(params: EnqueueJobsParams): Promise<Array<string | null>> {
    this.record('enqueueJobs', params)
    return super.enqueueJobs({ ...params, session: undefined })
  }

  override async claimJobs(params: ClaimJobsParams): Promise<Job[]> {
    this.record('claimJobs', params)
    return []
  }

  /** Nothing is ever claimed here, so there is no due time to wait for. */
  override async nextDueAt(params: NextDueAtParams): Promise<Date | null> {
    this.record('nextDueAt', params)
    return null
  }

  /** Never claims (nothing runs here): the job is enqueued unless its key is held. */
  override async claimOrEnqueue(params: ClaimOrEnqueueParams): Promise<ClaimOrEnqueueResult> {
    this.record('claimOrEnqueue', params)
    const [id] = await super.enqueueJobs({ jobs: [params.job], now: params.now })
    return id == null ? { outcome: 'duplicate' } : { outcome: 'enqueued', id }
  }

  override async heartbeatJobs(params: HeartbeatJobsParams): Promise<HeartbeatResult> {
    this.record('heartbeatJobs', params)
    return super.heartbeatJobs(params)
  }

  override async completeJobs(params: CompleteJobsParams): Promise<AckResult> {
    this.record('completeJobs', params)
    return super.completeJobs(params)
  }

  override async failJobs(params: FailJobsParams): Promise<FailResult> {
    this.record('failJobs', params)
    return super.failJobs(params)
  }

  override async releaseJobs(params: ReleaseJobsParams): Promise<ReleaseResult> {
    this.record('releaseJobs', params)
    return super.releaseJobs(params)
  }

  override async recoverExpiredLeases(params: RecoverExpiredLeasesParams): Promise<RecoverResult> {
    this.record('recoverExpiredLeases', params)
    return super.recoverExpiredLeases(params)
  }

  override async getStats(params: GetStatsParams): Promise<QueueStats> {
    this.record('getStats', params)
    return super.getStats(params)
  }

  override async getJob(params: { id: string }): Promise<Job | null> {
    this.record('getJob', params)
    return super.getJob(params)
  }

  override async listJobs(params: ListJobsParams): Promise<ListJobsResult> {
    this.record('listJobs', params)
    return super.listJobs(params)
  }

  override async cancelJobs(params: SelectJobsParams): Promise<string[]> {
    this.record('cancelJobs', params)
    return super.cancelJobs(params)
  }

  override async retryJobs(params: SelectJobsParams): Promise<string[]> {
    this.record('retryJobs', params)
    return super.retryJobs(params)
  }

  override async removeJobs(params: SelectJobsParams): Promise<number> {
    this.record('removeJobs', params)
    return super.removeJobs(params)
  }

  private record(method: DummyBackendCall['method'], params: unknown): void {
    this.calls.push({ method, params })
  }
}
