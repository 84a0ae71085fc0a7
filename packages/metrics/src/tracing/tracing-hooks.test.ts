import { UnrecoverableError } from '@durabl/core'
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { installOtel, type OtelHarness } from '../../test/support/otel-harness.js'
import { createQueueHarness, type QueueHarness } from '../../test/support/queue-harness.js'
import { W3CTraceparentPropagator } from '../../test/support/w3c-trace-context-propagator.js'
import { tracingHooks } from './tracing-hooks.js'

const RETRY_AT_ONCE = { backoff: { type: 'fixed', delayMs: 0 } } as const

let otel: OtelHarness | null = null
const harnesses: QueueHarness[] = []

function harness(): QueueHarness {
  const created = createQueueHarness()
  harnesses.push(created)
  return created
}

afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((created) => created.queue.shutdown(0)))
  await otel?.uninstall()
  otel = null
})

/** Enqueues inside an active `request` span, as an HTTP handler would. */
async function inRequest<T>(run: () => Promise<T>): Promise<T> {
  const tracer = trace.getTracer('app')
  return tracer.startActiveSpan('request', async (span) => {
    try {
      return await run()
    } finally {
      span.end()
    }
  })
}

function only(spans: ReadableSpan[]): ReadableSpan {
  expect(spans).toHaveLength(1)
  return spans[0] as ReadableSpan
}

describe('tracingHooks: enqueue → process', () => {
  it("runs the job in a CONSUMER span under the PRODUCER span, in the enqueuer's trace", async () => {
    otel = installOtel()
    const { queue, backend, waitForEvents, errors } = harness()
    queue.use(tracingHooks())
    let activeInHandler: string | undefined
    queue.process('email', async () => {
      activeInHandler = trace.getActiveSpan()?.spanContext().spanId
      // A span the handler starts nests under the consumer span.
      trace.getTracer('user').startSpan('render template').end()
    })
    await queue.startup()
    const id = await inRequest(() => queue.enqueue('email', { to: 'a@example.com' }))
    await waitForEvents('job:completed', 1)

    const request = only(otel.spansNamed('request'))
    const send = only(otel.spansNamed('send email'))
    const process = only(otel.spansNamed('process email'))
    const user = only(otel.spansNamed('render template'))
    const traceId = request.spanContext().traceId
    expect(send.kind).toBe(SpanKind.PRODUCER)
    expect(send.spanContext().traceId).toBe(traceId)
    expect(send.parentSpanContext?.spanId).toBe(request.spanContext().spanId)
    expect(process.kind).toBe(SpanKind.CONSUMER)
    expect(process.spanContext().traceId).toBe(traceId)
    expect(process.parentSpanContext?.spanId).toBe(send.spanContext().spanId)
    expect(process.links).toEqual([])
    expect(activeInHandler).toBe(process.spanContext().spanId)
    expect(user.parentSpanContext?.spanId).toBe(process.spanContext().spanId)

    expect(send.attributes).toMatchObject({
      'messaging.system': 'durabl',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.destination.name': 'email',
      'messaging.message.id': id,
      'durabl.enqueue.operation': 'enqueue',
      'durabl.job.priority': 0,
      'durabl.outcome': 'enqueued',
    })
    expect(process.attributes).toMatchObject({
      'messaging.system': 'durabl',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': 'email',
      'messaging.message.id': id,
      'durabl.job.attempt': 1,
      'durabl.job.max_attempts': 3,
      'durabl.job.priority': 0,
      'durabl.worker.id': 'worker-1',
      'durabl.outcome': 'completed',
    })
    expect(process.status.code).toBe(SpanStatusCode.UNSET)
    // The trace context travels in the stored job's metadata.
    const stored = await backend.getJob({ id: String(id) })
    expect(stored?.metadata.traceparent).toBe(`00-${traceId}-${send.spanContext().spanId}-01`)
    expect(errors).toEqual([])
  })

  it('gives each attempt of a retried job its own span under the same producer', async () => {
    otel = installOtel()
    const { queue, waitForEvents } = harness()
    queue.use(tracingHooks())
    queue.process('sync', async (job) => {
      if (job.attempts < 3) throw new Error(`attempt ${job.attempts} failed`)
    })
    await queue.startup()
    await inRequest(() => queue.enqueue('sync', {}, RETRY_AT_ONCE))
    await waitForEvents('job:completed', 1)

    const send = only(otel.spansNamed('send sync'))
    const attempts = otel.spansNamed('process sync')
    expect(attempts.map((span) => span.attributes['durabl.job.attempt'])).toEqual([1, 2, 3])
    for (const span of attempts) {
      expect(span.spanContext().traceId).toBe(send.spanContext().traceId)
      expect(span.parentSpanContext?.spanId).toBe(send.spanContext().spanId)
    }
    const [first, second, third] = attempts as [ReadableSpan, ReadableSpan, ReadableSpan]
    expect(new Set(attempts.map((span) => span.spanContext().spanId)).size).toBe(3)
    expect(first.status).toEqual({ code: SpanStatusCode.ERROR, message: 'attempt 1 failed' })
    expect(first.attributes['durabl.outcome']).toBe('retry')
    expect(first.attributes['error.type']).toBe('Error')
    expect(first.events.map((event) => event.name)).toEqual(['exception'])
    expect(first.events[0]?.attributes?.['exception.message']).toBe('attempt 1 failed')
    expect(second.attributes['durabl.outcome']).toBe('retry')
    expect(third.attributes['durabl.outcome']).toBe('completed')
    expect(third.status.code).toBe(SpanStatusCode.UNSET)
  })

  it('marks a final failure as failed, with the error code as error.type', async () => {
    otel = installOtel()
    const { queue, waitForEvents } = harness()
    queue.use(tracingHooks())
    queue.process('charge', async () => {
      throw new UnrecoverableError('card declined')
    })
    await queue.startup()
    await queue.enqueue('charge', {})
    await waitForEvents('job:failed', 1)
    const span = only(otel.spansNamed('process charge'))
    expect(span.status.code).toBe(SpanStatusCode.ERROR)
    expect(span.attributes['durabl.outcome']).toBe('failed')
    expect(span.attributes['error.type']).toBe(new UnrecoverableError('x').code)
  })

  it('with link: true starts a new trace that links to the producer', async () => {
    otel = installOtel()
    const { queue, waitForEvents } = harness()
    queue.use(tracingHooks({ link: true }))
    queue.process('email', async () => {})
    await queue.startup()
    await inRequest(() => queue.enqueue('email', {}))
    await waitForEvents('job:completed', 1)

    const send = only(otel.spansNamed('send email'))
    const process = only(otel.spansNamed('process email'))
    expect(process.parentSpanContext).toBeUndefined()
    expect(process.spanContext().traceId).not.toBe(send.spanContext().traceId)
    expect(process.links).toHaveLength(1)
    expect(process.links[0]?.context.traceId).toBe(send.spanContext().traceId)
    expect(process.links[0]?.context.spanId).toBe(send.spanContext().spanId)
  })

  it('starts a root consumer span for a job enqueued without trace context', async () => {
    otel = installOtel()
    const { queue, waitForEvents } = harness()
    // Enqueued before tracing was added: no traceparent in its metadata.
    await queue.enqueue('email', {}, { metadata: { tenant: 't1' } })
    queue.use(tracingHooks({ link: true }))
    queue.process('email', async () => {})
    await queue.startup()
    await waitForEvents('job:completed', 1)
    const process = only(otel.spansNamed('process email'))
    expect(process.parentSpanContext).toBeUndefined()
    expect(process.links).toEqual([])
  })

  it('traces enqueueMany with one span whose context every job carries', async () => {
    otel = installOtel()
    const { queue, waitForEvents } = harness()
    queue.use(tracingHooks())
    queue.process('email', async () => {})
    queue.process('sms', async () => {})
    await queue.startup()
    await inRequest(() =>
      queue.enqueueMany([
        { type: 'email', data: { i: 1 } },
        { type: 'email', data: { i: 2 } },
        { type: 'sms', data: { i: 3 }, options: { dedupeKey: 'k' } },
        { type: 'sms', data: { i: 4 }, options: { dedupeKey: 'k' } },
      ]),
    )
    await waitForEvents('job:completed', 3)

    const send = only(otel.spansNamed('send'))
    expect(send.attributes).toMatchObject({
      'messaging.batch.message_count': 4,
      'durabl.enqueue.operation': 'enqueueMany',
      'durabl.enqueue.duplicate_count': 1,
    })
    expect(send.attributes['messaging.destination.name']).toBeUndefined()
    expect(send.attributes['messaging.message.id']).toBeUndefined()
    const consumers = [...otel.spansNamed('process email'), ...otel.spansNamed('process sms')]
    expect(consumers).toHaveLength(3)
    for (const span of consumers) expect(span.parentSpanContext?.spanId).toBe(send.spanContext().spanId)
  })

  it('records a failed write on the producer span and still rejects the enqueue', async () => {
    otel = installOtel()
    const { queue, backend } = harness()
    queue.use(tracingHooks())
    await queue.startup()
    vi.spyOn(backend, 'enqueueJobs').mockRejectedValueOnce(new Error('write failed'))
    await expect(queue.enqueue('email', {})).rejects.toThrow('write failed')
    const send = only(otel.spansNamed('send email'))
    expect(send.status).toEqual({ code: SpanStatusCode.ERROR, message: 'write failed' })
    expect(send.events.map((event) => event.name)).toEqual(['exception'])
  })

  it('uses the tracer of an explicit tracerProvider', async () => {
    otel = installOtel({ registerProvider: false })
    const { queue, waitForEvents } = harness()
    queue.use(tracingHooks({ tracerProvider: otel.provider }))
    queue.process('email', async () => {})
    await queue.startup()
    await queue.enqueue('email', {})
    await waitForEvents('job:completed', 1)
    const process = only(otel.spansNamed('process email'))
    expect(process.instrumentationScope.name).toBe('@durabl/metrics')
    // The consumer is the producer's child even without a global provider.
    expect(process.parentSpanContext?.spanId).toBe(only(otel.spansNamed('send email')).spanContext().spanId)
  })
})

describe('tracingHooks without an SDK', () => {
  it('writes no trace context and processes jobs as usual', async () => {
    // A propagator but no tracer provider: the API hands out no-op spans with invalid contexts.
    propagation.setGlobalPropagator(new W3CTraceparentPropagator())
    try {
      const { queue, backend, waitForEvents, errors } = harness()
      queue.use(tracingHooks())
      let handlerSpanValid: boolean | undefined
      queue.process('email', async () => {
        handlerSpanValid = trace.getActiveSpan()?.isRecording()
      })
      await queue.startup()
      const id = await queue.enqueue('email', {}, { metadata: { tenant: 't1' } })
      await waitForEvents('job:completed', 1)
      const stored = await backend.getJob({ id: String(id) })
      expect(stored?.metadata).toEqual({ tenant: 't1' })
      expect(handlerSpanValid).not.toBe(true)
      expect(errors).toEqual([])
    } finally {
      propagation.disable()
      context.disable()
    }
  })

  it('does not mutate the metadata object the caller passed', async () => {
    otel = installOtel()
    const { queue } = harness()
    queue.use(tracingHooks())
    await queue.startup()
    const metadata = { tenant: 't1' }
    await queue.enqueue('email', {}, { metadata })
    expect(metadata).toEqual({ tenant: 't1' })
  })

  it('validates its options', () => {
    expect(() => tracingHooks({ link: 'yes' as never })).toThrow('options.link must be a boolean')
    expect(() => tracingHooks({ tracer: {} as never })).toThrow('options.tracer must be')
    expect(() => tracingHooks({ tracerProvider: {} as never })).toThrow('options.tracerProvider must be')
    expect(() => tracingHooks({ linkSpans: true } as never)).toThrow(
      'options.linkSpans is not a known option',
    )
  })
})

describe('tracingHooks: jobs enqueued by a schedule', () => {
  it('records the schedule id, the occurrence and caught-up runs on the process span', async () => {
    otel = installOtel()
    const { queue, clock, waitForEvents, errors } = harness()
    queue.use(tracingHooks())
    queue.process('sweep', async () => {})
    const start = clock.now().getTime()
    await queue.schedules.upsert('sweeper', {
      everyMs: 60_000,
      type: 'sweep',
      catchUp: { policy: 'latest', graceMs: 10_000 },
    })
    // The first occurrence (minute 1) is 30 s late at startup, past the grace period: caught up.
    clock.set(new Date(start + 90_000))
    await queue.startup()
    await waitForEvents('job:completed', 1)
    await clock.advance(30_000)
    await waitForEvents('job:completed', 2)
    await queue.schedules.trigger('sweeper')
    await waitForEvents('job:completed', 3)

    const spans = otel.spansNamed('process sweep')
    expect(spans.map((span) => span.attributes)).toEqual([
      expect.objectContaining({
        'durabl.schedule.id': 'sweeper',
        'durabl.schedule.occurrence': new Date(start + 60_000).toISOString(),
        'durabl.schedule.caught_up': true,
      }),
      expect.objectContaining({
        'durabl.schedule.id': 'sweeper',
        'durabl.schedule.occurrence': new Date(start + 120_000).toISOString(),
      }),
      expect.objectContaining({ 'durabl.schedule.id': 'sweeper', 'durabl.schedule.occurrence': 'manual' }),
    ])
    expect(spans[1]?.attributes).not.toHaveProperty('durabl.schedule.caught_up')
    expect(spans[2]?.attributes).not.toHaveProperty('durabl.schedule.caught_up')
    expect(errors).toEqual([])
  })

  it('adds no schedule attributes to other jobs', async () => {
    otel = installOtel()
    const { queue, waitForEvents } = harness()
    queue.use(tracingHooks())
    queue.process('email', async () => {})
    await queue.startup()
    await queue.enqueue('email', {}, { metadata: { team: 'ops' } })
    await waitForEvents('job:completed', 1)
    const attributes = Object.keys(only(otel.spansNamed('process email')).attributes)
    expect(attributes.filter((name) => name.startsWith('durabl.schedule.'))).toEqual([])
  })
})
