import { context, propagation, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base'

const KIND_NAMES = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER']

/** Prints one line per span, so a job's trace can be followed from the request to the worker. */
class ConsoleLineExporter implements SpanExporter {
  constructor(private readonly log: (line: string) => void) {}

  export(spans: ReadableSpan[], done: (result: { code: ExportResultCode }) => void): void {
    for (const span of spans) {
      const [seconds, nanos] = span.duration
      const durationMs = (seconds * 1e3 + nanos / 1e6).toFixed(1)
      const parent = span.parentSpanContext?.spanId ?? 'root'
      const links = span.links.length > 0 ? ` links=${span.links.length}` : ''
      this.log(
        `trace ${span.spanContext().traceId} span ${span.spanContext().spanId} parent ${parent} ` +
          `${KIND_NAMES[span.kind]} "${span.name}" ${durationMs} ms status=${span.status.code}${links}`,
      )
    }
    done({ code: ExportResultCode.SUCCESS })
  }

  async shutdown(): Promise<void> {}
}

/**
 * Registers an OpenTelemetry SDK for this process: spans go to OTLP/HTTP when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` is set, else to the console, one line each. durabl itself only
 * uses `@opentelemetry/api`; this is the application's choice of SDK.
 */
export function setupTracing(env: NodeJS.ProcessEnv, log: (line: string) => void, serviceName: string) {
  const otlp = env.OTEL_EXPORTER_OTLP_ENDPOINT
  const processor = otlp
    ? new BatchSpanProcessor(new OTLPTraceExporter())
    : new SimpleSpanProcessor(new ConsoleLineExporter(log))
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [processor],
  })
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  trace.setGlobalTracerProvider(provider)
  return {
    exporter: otlp ? `OTLP/HTTP at ${otlp}` : 'console',
    shutdown: () => provider.shutdown(),
  }
}
