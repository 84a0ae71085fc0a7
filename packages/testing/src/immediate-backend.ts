import {
  type BackendCapabilities,
  DEFAULTS,
  type EnqueueJobsParams,
  type InlineRunner,
  type Job,
} from '@durabl/core'
import { MemoryBackend } from './memory-backend/memory-backend.js'
import {
  type MemoryBackendOptions,
  resolveMemoryBackendOptions,
} from './memory-backend/memory-backend-options.js'
import { assertNonEmptyString, assertPositiveInteger } from './memory-backend/validate-params.js'

/** A guard against a runner that keeps sending a job back (it would otherwise spin forever). */
const MAX_RUNS_PER_JOB = 1_000

export interface ImmediateBackendOptions extends MemoryBackendOptions {
  /** The lease each inline attempt is claimed with. @defaultValue 30000 */
  leaseMs?: number
  /** The worker id inline attempts are claimed as. @defaultValue 'immediate' */
  workerId?: string
}

/**
 * Runs each job through the queue's handler as it is enqueued, so `await queue.enqueue(…)`
 * resolves after the handler ran: for tests that want a job's effects without a fetcher, a clock
 * or a database. The `JobQueue` attaches its runner at startup; until then jobs stay pending.
 *
 * Delays (`runAt`) are ignored. A failed attempt with attempts left runs again at once (backoff is
 * ignored) until the job completes or fails for good; a released job (shutdown) is not re-run. A
 * `session` is accepted but not honoured: the jobs are written and run at once.
 */
export class ImmediateBackend extends MemoryBackend {
  override readonly name: string = 'immediate'
  override readonly capabilities: BackendCapabilities = {
    push: false,
    transactions: true,
    bulkEnqueue: true,
    durable: false,
    inline: true,
  }
  private readonly lease: { leaseMs: number; workerId: string }
  private runner: InlineRunner | undefined

  constructor(options: ImmediateBackendOptions = {}) {
    super(resolveMemoryBackendOptions(options))
    const leaseMs = options.leaseMs ?? DEFAULTS.leaseMs
    const workerId = options.workerId ?? 'immediate'
    assertPositiveInteger('leaseMs', leaseMs)
    assertNonEmptyString('workerId', workerId)
    this.lease = { leaseMs, workerId }
  }

  /** Copies of every stored job, in the order they were enqueued. */
  get jobs(): Job[] {
    return this.snapshotJobs()
  }

  attachRunner(runner: InlineRunner): void {
    this.runner = runner
  }

  /** Writes the jobs, then runs each to the end, one after another, before resolving. */
  override async enqueueJobs(params: EnqueueJobsParams): Promise<Array<string | null>> {
    const ids = await super.enqueueJobs({ ...params, session: undefined })
    for (const id of ids) if (id !== null) await this.runToEnd(id, params.now)
    return ids
  }

  private async runToEnd(id: string, enqueuedAt: Date): Promise<void> {
    const runner = this.runner
    if (runner === undefined) return
    let now = enqueuedAt
    for (let run = 0; run < MAX_RUNS_PER_JOB; run++) {
      // Null when the job is no longer pending or another job with its key is running.
      const job = this.claimJobById(id, { ...this.lease, now })
      if (job === null) return
      await runner(job)
      const after = this.store.get(id)?.job
      // Again only after a counted failure; a release gives the attempt back and means "not now".
      if (after === undefined || after.state !== 'pending' || after.attempts < job.attempts) return
      now = new Date(Math.max(now.getTime(), after.updatedAt.getTime()))
    }
  }
}
