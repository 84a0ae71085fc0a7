import type { NewJob } from '../job.js'
import type { ResolvedEnqueueDefaults } from './resolve-enqueue-options.js'
import { type ResolvedEnqueueOptions, resolveEnqueueOptions } from './resolve-enqueue-options.js'
import { validateJobType } from './validate-job-type.js'
import { validatePayload } from './validate-payload.js'

export interface BuildNewJobParams {
  type: unknown
  data: unknown
  options: unknown
  defaults: ResolvedEnqueueDefaults
  maxPayloadBytes: number
  now: Date
  /** Prefixes every field in errors: '' for `enqueue`, `jobs[3].` for `enqueueMany`. */
  fieldPrefix?: string
}

/**
 * Validates one enqueue call's arguments and turns them into the job to write, so the runtime
 * never writes a half-checked job. Throws ValidationError or PayloadError naming the field.
 */
export function buildNewJob(params: BuildNewJobParams): { job: NewJob; options: ResolvedEnqueueOptions } {
  const prefix = params.fieldPrefix ?? ''
  const type = validateJobType(params.type, `${prefix}type`)
  // `undefined` cannot be stored by every backend; a job without data gets `null`.
  const data = params.data === undefined ? null : params.data
  validatePayload(data, `${prefix}data`, params.maxPayloadBytes)
  const options = resolveEnqueueOptions(params.options, params.defaults, params.now, `${prefix}options`)
  const job: NewJob = {
    type,
    data,
    priority: options.priority,
    runAt: options.runAt,
    maxAttempts: options.maxAttempts,
    backoff: options.backoff,
    timeoutMs: options.timeoutMs,
    dedupeKey: options.dedupeKey,
    dedupeScope: options.dedupeScope,
    limitKey: options.limitKey,
    metadata: options.metadata,
  }
  return { job, options }
}
