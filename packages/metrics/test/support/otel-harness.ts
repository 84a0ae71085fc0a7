import { context, propagation, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { W3CTraceparentPropagator } from './w3c-trace-context-propagator.js'

export interface OtelHarness {
  provider: BasicTracerProvider
  exporter: InMemorySpanExporter
  /** Finished spans with this name. */
  spansNamed(name: string): ReadableSpan[]
  /** Unregisters everything it registered globally. */
  uninstall(): Promise<void>
}

/**
 * Registers an SDK for one test the way an application would: a tracer provider exporting to
 * memory, the AsyncLocalStorage context manager and a W3C traceparent propagator.
 */
export function installOtel(options: { registerProvider?: boolean } = {}): OtelHarness {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  if (options.registerProvider !== false) trace.setGlobalTracerProvider(provider)
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  propagation.setGlobalPropagator(new W3CTraceparentPropagator())
  return {
    provider,
    exporter,
    spansNamed: (name) => exporter.getFinishedSpans().filter((span) => span.name === name),
    async uninstall() {
      await provider.shutdown()
      trace.disable()
      context.disable()
      propagation.disable()
    },
  }
}
