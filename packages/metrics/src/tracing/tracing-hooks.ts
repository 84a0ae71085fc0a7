import {
  type AttemptOutcome,
  DurablError,
  type EnqueueHookInfo,
  type Job,
  type JobMetadata,
  type JobQueueHooks,
  type NewJob,
  normalizeError,
  SCHEDULE_METADATA,
} from '@durabl/core'
import {
  type Attributes,
  type Context,
  context,
  diag,
  isSpanContextValid,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api'
import {
  ATTR_DURABL_DUPLICATE_COUNT,
  ATTR_DURABL_ENQUEUE_OPERATION,
  ATTR_DURABL_JOB_ATTEMPT,
  ATTR_DURABL_JOB_MAX_ATTEMPTS,
  ATTR_DURABL_JOB_PRIORITY,
  ATTR_DURABL_OUTCOME,
  ATTR_DURABL_SCHEDULE_CAUGHT_UP,
  ATTR_DURABL_SCHEDULE_ID,
  ATTR_DURABL_SCHEDULE_OCCURRENCE,
  ATTR_DURABL_WORKER_ID,
  ATTR_ERROR_TYPE,
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  type DurablOutcome,
  MESSAGING_OPERATION_PROCESS,
  MESSAGING_OPERATION_SEND,
  MESSAGING_SYSTEM_DURABL,
} from './attributes.js'
import { metadataGetter, metadataSetter } from './metadata-carrier.js'
import {
  resolveTracingHooksOptions,
  TRACING_HOOKS_DEFAULTS,
  type TracingHooksOptions,
} from './tracing-hooks-options.js'

/**
 * OpenTelemetry tracing for a queue, as hooks for `queue.use(tracingHooks())`. Uses only
 * `@opentelemetry/api`: spans go to whatever SDK the application registered, and without one the
 * API's no-op tracer makes this close to free (no attributes recorded, nothing injected).
 *
 * - **Enqueue**: one PRODUCER span `send <type>` per call, a child of the active context, around
 *   the write. Its W3C trace context is injected into the metadata of every job the call writes
 *   (`traceparent`, plus `tracestate`/`baggage` if the registered propagator writes them). An
 *   `enqueueMany` call gets one span for the whole batch, shared by its jobs (see the README).
 * - **Processing**: each attempt runs inside its own CONSUMER span `process <type>` whose parent
 *   is the context extracted from the job's metadata (or, with `link: true`, a new trace with a
 *   span link to it). Retries are further attempts: further spans under the same producer.
 *   The handler runs inside the span's context, so spans it starts nest under it. A failed attempt
 *   records the exception, sets status ERROR and `durabl.outcome` (`retry` or `failed`).
 *
 * Register it first (`queue.use` order is outermost first) so other hooks run inside its spans.
 */
export function tracingHooks(options?: TracingHooksOptions): JobQueueHooks {
  const resolved = resolveTracingHooksOptions(options)
  const tracer: Tracer =
    resolved.tracer ?? (resolved.tracerProvider ?? trace).getTracer(TRACING_HOOKS_DEFAULTS.tracerName)

  return {
    name: resolved.name,

    async enqueue(info, next) {
      let started: { span: Span; spanContext: Context } | null = null
      try {
        started = startProducerSpan(tracer, info)
      } catch (error) {
        // Tracing must never keep a job from being written.
        diag.warn('@durabl/metrics: could not start the enqueue span', error)
      }
      if (started === null) return next()
      const { span, spanContext } = started
      try {
        const ids = await context.with(spanContext, next)
        annotateEnqueueResult(span, ids)
        return ids
      } catch (error) {
        recordFailure(span, error)
        throw error
      } finally {
        span.end()
      }
    },

    async process(info, next) {
      let started: { span: Span; spanContext: Context } | null = null
      try {
        started = startConsumerSpan(tracer, info.job, resolved.link)
      } catch (error) {
        diag.warn('@durabl/metrics: could not start the process span', error)
      }
      if (started === null) return next()
      const { span, spanContext } = started
      try {
        const outcome = await context.with(spanContext, next)
        annotateOutcome(span, outcome)
        return outcome
      } finally {
        span.end()
      }
    },
  }
}

function startProducerSpan(
  tracer: Tracer,
  info: EnqueueHookInfo,
): { span: Span; spanContext: Context } | null {
  const { jobs } = info
  const first = jobs[0]
  if (first === undefined) return null
  const destination = commonType(jobs)
  const attributes: Attributes = {
    [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_DURABL,
    [ATTR_MESSAGING_OPERATION_TYPE]: MESSAGING_OPERATION_SEND,
    [ATTR_MESSAGING_OPERATION_NAME]: MESSAGING_OPERATION_SEND,
    [ATTR_DURABL_ENQUEUE_OPERATION]: info.operation,
  }
  if (destination !== null) attributes[ATTR_MESSAGING_DESTINATION_NAME] = destination
  if (jobs.length === 1) attributes[ATTR_DURABL_JOB_PRIORITY] = first.priority
  else attributes[ATTR_MESSAGING_BATCH_MESSAGE_COUNT] = jobs.length

  const parent = context.active()
  const name = destination === null ? MESSAGING_OPERATION_SEND : `${MESSAGING_OPERATION_SEND} ${destination}`
  const span = tracer.startSpan(name, { kind: SpanKind.PRODUCER, attributes }, parent)
  const spanContext = trace.setSpan(parent, span)
  // Without an SDK (or a valid parent) the span context is invalid: there is nothing to propagate.
  if (isSpanContextValid(span.spanContext())) inject(jobs, spanContext)
  return { span, spanContext }
}

/** Writes the trace context into each job's metadata, replacing (not mutating) the object the caller passed. */
function inject(jobs: NewJob[], spanContext: Context): void {
  const carrier: JobMetadata = {}
  try {
    propagation.inject(spanContext, carrier, metadataSetter)
  } catch (error) {
    diag.warn('@durabl/metrics: the registered propagator failed to inject', error)
    return
  }
  if (Object.keys(carrier).length === 0) return
  for (const job of jobs) job.metadata = { ...job.metadata, ...carrier }
}

function annotateEnqueueResult(span: Span, ids: ReadonlyArray<string | null>): void {
  if (!span.isRecording()) return
  if (ids.length === 1) {
    const id = ids[0] ?? null
    if (id !== null) span.setAttribute(ATTR_MESSAGING_MESSAGE_ID, id)
    span.setAttribute(ATTR_DURABL_OUTCOME, (id === null ? 'duplicate' : 'enqueued') satisfies DurablOutcome)
    return
  }
  const duplicates = ids.filter((id) => id === null).length
  if (duplicates > 0) span.setAttribute(ATTR_DURABL_DUPLICATE_COUNT, duplicates)
}

function startConsumerSpan(tracer: Tracer, job: Job, link: boolean): { span: Span; spanContext: Context } {
  // From the root, not the active context: the claim loop's context is unrelated to this job.
  const extracted = propagation.extract(ROOT_CONTEXT, job.metadata, metadataGetter)
  const producer = trace.getSpanContext(extracted)
  const hasProducer = producer !== undefined && isSpanContextValid(producer)
  let parent = extracted
  let links: Link[] | undefined
  if (link) {
    // A new trace that keeps the extracted baggage, with a link back to the producer.
    parent = trace.deleteSpan(extracted)
    if (hasProducer) links = [{ context: producer }]
  }
  const attributes: Attributes = {
    [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_DURABL,
    [ATTR_MESSAGING_OPERATION_TYPE]: MESSAGING_OPERATION_PROCESS,
    [ATTR_MESSAGING_OPERATION_NAME]: MESSAGING_OPERATION_PROCESS,
    [ATTR_MESSAGING_DESTINATION_NAME]: job.type,
    [ATTR_MESSAGING_MESSAGE_ID]: job.id,
    [ATTR_DURABL_JOB_ATTEMPT]: job.attempts,
    [ATTR_DURABL_JOB_MAX_ATTEMPTS]: job.maxAttempts,
    [ATTR_DURABL_JOB_PRIORITY]: job.priority,
  }
  if (job.workerId !== null) attributes[ATTR_DURABL_WORKER_ID] = job.workerId
  addScheduleAttributes(attributes, job.metadata)
  const span = tracer.startSpan(
    `${MESSAGING_OPERATION_PROCESS} ${job.type}`,
    links === undefined
      ? { kind: SpanKind.CONSUMER, attributes }
      : { kind: SpanKind.CONSUMER, attributes, links },
    parent,
  )
  return { span, spanContext: trace.setSpan(parent, span) }
}

/** A schedule's job carries its schedule and occurrence in metadata: put them on the span. */
function addScheduleAttributes(attributes: Attributes, metadata: JobMetadata | undefined): void {
  const scheduleId = metadata?.[SCHEDULE_METADATA.schedule]
  if (typeof scheduleId !== 'string') return
  attributes[ATTR_DURABL_SCHEDULE_ID] = scheduleId
  const occurrence = metadata?.[SCHEDULE_METADATA.occurrence]
  if (typeof occurrence === 'string') attributes[ATTR_DURABL_SCHEDULE_OCCURRENCE] = occurrence
  if (metadata?.[SCHEDULE_METADATA.caughtUp] === 'true') attributes[ATTR_DURABL_SCHEDULE_CAUGHT_UP] = true
}

function annotateOutcome(span: Span, outcome: AttemptOutcome): void {
  switch (outcome.status) {
    case 'completed':
      span.setAttribute(ATTR_DURABL_OUTCOME, 'completed' satisfies DurablOutcome)
      return
    case 'failed':
      span.setAttribute(ATTR_DURABL_OUTCOME, (outcome.willRetry ? 'retry' : 'failed') satisfies DurablOutcome)
      recordFailure(span, outcome.error)
      return
    case 'lease-lost':
      span.setAttribute(ATTR_DURABL_OUTCOME, 'lease-lost' satisfies DurablOutcome)
      recordFailure(span, outcome.error)
      return
    case 'cancelled':
      // Stopped on request: not an error of the job.
      span.setAttribute(ATTR_DURABL_OUTCOME, 'cancelled' satisfies DurablOutcome)
      return
    case 'released':
      // Given back at shutdown: not an error of the job.
      span.setAttribute(ATTR_DURABL_OUTCOME, 'released' satisfies DurablOutcome)
      return
    case 'snoozed':
      // Given back for later by the handler itself: not an error of the job.
      span.setAttribute(ATTR_DURABL_OUTCOME, 'snoozed' satisfies DurablOutcome)
      return
  }
}

function recordFailure(span: Span, thrown: unknown): void {
  if (!span.isRecording()) return
  const error = normalizeError(thrown)
  span.recordException(error)
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message })
  span.setAttribute(ATTR_ERROR_TYPE, DurablError.isInstance(error) ? error.code : error.name || 'Error')
}

/** The one type of all jobs, or null when they differ. */
function commonType(jobs: readonly NewJob[]): string | null {
  const type = jobs[0]?.type
  if (type === undefined) return null
  return jobs.every((job) => job.type === type) ? type : null
}
