import { ValidationError } from '@durabl/core'
import type { Tracer, TracerProvider } from '@opentelemetry/api'
import {
  rejectUnknownKeys,
  requireBoolean,
  requireNonEmptyString,
  requireOptionsObject,
} from '../shared/option-rules.js'

/** Defaults for {@link TracingHooksOptions}. */
export const TRACING_HOOKS_DEFAULTS = {
  /** The instrumentation scope name the tracer is requested with. */
  tracerName: '@durabl/metrics',
  link: false,
  name: 'tracing',
} as const

export interface TracingHooksOptions {
  /** The tracer to start spans with. Wins over `tracerProvider`. @defaultValue from `tracerProvider` */
  tracer?: Tracer
  /**
   * Where to get the tracer (`getTracer('@durabl/metrics')`).
   * @defaultValue the global provider (`trace.getTracer`), so whatever SDK the app registers, even later
   */
  tracerProvider?: TracerProvider
  /**
   * Start each attempt's CONSUMER span in a new trace with a span link to the producer, instead of
   * as the producer's child. Use it when jobs may run long after they were enqueued, or when one
   * request enqueues very many jobs, so request traces stay small. @defaultValue false
   */
  link?: boolean
  /** The hooks' name, used in `queue:error` reports (`hook:<name>:process`). @defaultValue 'tracing' */
  name?: string
}

export interface ResolvedTracingHooksOptions {
  tracer: Tracer | null
  tracerProvider: TracerProvider | null
  link: boolean
  name: string
}

const KEYS = ['tracer', 'tracerProvider', 'link', 'name'] as const satisfies ReadonlyArray<
  keyof TracingHooksOptions
>

export function resolveTracingHooksOptions(input: unknown): ResolvedTracingHooksOptions {
  const options = requireOptionsObject('options', input)
  rejectUnknownKeys('options', options, KEYS)
  const tracer = options.tracer
  if (tracer !== undefined && typeof (tracer as Partial<Tracer> | null)?.startSpan !== 'function') {
    throw new ValidationError('options.tracer', 'must be an OpenTelemetry Tracer (with startSpan)', tracer)
  }
  const provider = options.tracerProvider
  if (
    provider !== undefined &&
    typeof (provider as Partial<TracerProvider> | null)?.getTracer !== 'function'
  ) {
    throw new ValidationError(
      'options.tracerProvider',
      'must be an OpenTelemetry TracerProvider (with getTracer)',
      provider,
    )
  }
  return {
    tracer: (tracer as Tracer | undefined) ?? null,
    tracerProvider: (provider as TracerProvider | undefined) ?? null,
    link:
      options.link === undefined ? TRACING_HOOKS_DEFAULTS.link : requireBoolean('options.link', options.link),
    name:
      options.name === undefined
        ? TRACING_HOOKS_DEFAULTS.name
        : requireNonEmptyString('options.name', options.name, 200),
  }
}
