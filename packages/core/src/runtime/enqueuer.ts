import type { Backend, BackendSession, ClaimOrEnqueueResult } from '../backend.js'
import type { Clock } from '../clock.js'
import { NotSupportedError } from '../errors/not-supported-error.js'
import { ValidationError } from '../errors/validation-error.js'
import type { JobQueueHooks } from '../hooks.js'
import type { DedupeScope, NewJob } from '../job.js'
import type { EnqueueOptions } from '../options.js'
import { buildNewJob } from '../validation/build-new-job.js'
import type { ResolvedJobQueueOptions } from '../validation/resolve-job-queue-options.js'
import { isPlainObject, rejectUnknownKeys } from '../validation/rules.js'
import { validateMetadata } from '../validation/validate-metadata.js'
import type { TypedEventEmitter } from './event-emitter.js'
import { once, runEnqueueHooks } from './hook-chain.js'

/** One entry of `enqueueMany`. */
export interface EnqueueManyItem<TData = unknown> {
  type: string
  data: TData
  options?: EnqueueOptions
}

export interface EnqueuerParams {
  backend: Backend
  options: ResolvedJobQueueOptions
  events: TypedEventEmitter
  hooks: readonly JobQueueHooks[]
  /** The lease claimOrEnqueue asks for, per type. */
  leaseMsFor(type: string): number
}

type EnqueueOperation = 'enqueue' | 'enqueueMany' | 'claimOrEnqueue'

/**
 * The producing side of a JobQueue. Every path validates all of its input before writing
 * anything, runs the enqueue hooks around one backend write, and emits `job:enqueued` or
 * `job:duplicate` per job after the write returned.
 */
export class Enqueuer {
  readonly #params: EnqueuerParams
  readonly #clock: Clock

  constructor(params: EnqueuerParams) {
    this.#params = params
    this.#clock = params.options.clock
  }

  async enqueue(type: unknown, data: unknown, options: unknown): Promise<string | null> {
    const now = this.#clock.now()
    const built = this.#build(type, data, options, now)
    const [id] = await this.#write('enqueue', [built.job], built.options.session, now)
    return id ?? null
  }

  async enqueueMany(items: unknown): Promise<Array<string | null>> {
    if (!Array.isArray(items))
      throw new ValidationError('jobs', 'must be an array of { type, data, options }', items)
    const now = this.#clock.now()
    const jobs: NewJob[] = []
    let session: BackendSession | undefined
    items.forEach((item: unknown, index) => {
      const field = `jobs[${index}]`
      if (!isPlainObject(item))
        throw new ValidationError(field, 'must be a plain object { type, data, options }', item)
      const entry = item
      rejectUnknownKeys(field, entry, ['type', 'data', 'options'])
      const built = this.#build(entry.type, entry.data, entry.options, now, `${field}.`)
      if (index > 0 && built.options.session !== session) {
        throw new ValidationError(
          `${field}.options.session`,
          'must be the same for every job of one enqueueMany call (they are written in one call)',
          built.options.session,
        )
      }
      session = built.options.session
      jobs.push(built.job)
    })
    if (jobs.length === 0) return []
    return this.#write('enqueueMany', jobs, session, now)
  }

  async claimOrEnqueue(
    type: unknown,
    data: unknown,
    options: unknown,
    workerId: string,
  ): Promise<ClaimOrEnqueueResult> {
    const now = this.#clock.now()
    const built = this.#build(type, data, options, now)
    if (built.job.dedupeKey === null || built.job.dedupeScope === null) {
      throw new ValidationError(
        'options.dedupeKey',
        'is required by claimOrEnqueue (it makes the run single-flight)',
        undefined,
      )
    }
    if (built.options.session !== undefined) {
      throw new ValidationError(
        'options.session',
        'is not supported by claimOrEnqueue',
        built.options.session,
      )
    }
    const job = built.job as NewJob & { dedupeKey: string; dedupeScope: DedupeScope }
    let result: ClaimOrEnqueueResult | null = null
    const write = once(async () => {
      validateMetadata('options.metadata', job.metadata)
      result = await this.#params.backend.claimOrEnqueue({
        job,
        leaseMs: this.#params.leaseMsFor(job.type),
        workerId,
        now,
      })
      return [result.outcome === 'claimed' ? result.job.id : result.outcome === 'enqueued' ? result.id : null]
    })
    await this.#runHooks('claimOrEnqueue', [job], write)
    const settled = result as ClaimOrEnqueueResult | null
    if (settled === null) throw new Error('claimOrEnqueue finished without a result')
    const id =
      settled.outcome === 'claimed' ? settled.job.id : settled.outcome === 'enqueued' ? settled.id : null
    this.#announce([job], [id])
    return settled
  }

  #build(type: unknown, data: unknown, options: unknown, now: Date, fieldPrefix = '') {
    const { defaultEnqueueOptions, maxPayloadBytes } = this.#params.options
    return buildNewJob({
      type,
      data,
      options,
      defaults: defaultEnqueueOptions,
      maxPayloadBytes,
      now,
      fieldPrefix,
    })
  }

  async #write(
    operation: EnqueueOperation,
    jobs: NewJob[],
    session: BackendSession | undefined,
    now: Date,
  ): Promise<Array<string | null>> {
    const { backend } = this.#params
    if (session !== undefined && !backend.capabilities.transactions) {
      throw new NotSupportedError(
        `the ${backend.name} backend does not support transactions, so options.session cannot be used with it`,
      )
    }
    const write = once(async () => {
      // Hooks may have changed metadata; it must still be string → string before it is stored.
      for (const [index, job] of jobs.entries()) validateMetadata(`jobs[${index}].metadata`, job.metadata)
      const ids = await backend.enqueueJobs(session === undefined ? { jobs, now } : { jobs, session, now })
      if (ids.length !== jobs.length) {
        throw new Error(`${backend.name}.enqueueJobs returned ${ids.length} ids for ${jobs.length} jobs`)
      }
      return ids
    })
    const ids = await this.#runHooks(operation, jobs, write)
    this.#announce(jobs, ids)
    return ids
  }

  #runHooks(
    operation: EnqueueOperation,
    jobs: NewJob[],
    write: () => Promise<Array<string | null>>,
  ): Promise<Array<string | null>> {
    const { hooks, events } = this.#params
    return runEnqueueHooks(hooks, { operation, jobs }, write, (hookName, error) =>
      events.emit('queue:error', { error, operation: `hook:${hookName}:enqueue` }),
    )
  }

  #announce(jobs: NewJob[], ids: Array<string | null>): void {
    const { events } = this.#params
    jobs.forEach((job, index) => {
      const id = ids[index] ?? null
      if (id !== null) {
        events.emit('job:enqueued', {
          id,
          type: job.type,
          priority: job.priority,
          runAt: job.runAt,
          dedupeKey: job.dedupeKey,
          metadata: job.metadata,
        })
      } else if (job.dedupeKey !== null) {
        events.emit('job:duplicate', { type: job.type, dedupeKey: job.dedupeKey })
      }
    })
  }
}
