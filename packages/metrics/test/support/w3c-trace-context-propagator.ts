import {
  type Context,
  isSpanContextValid,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api'

const TRACEPARENT = 'traceparent'
const TRACEPARENT_PATTERN = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

/**
 * A minimal W3C `traceparent` propagator for tests (`@opentelemetry/core`, which has the real one,
 * is not a dependency of this package). Version 00 only; no `tracestate`.
 */
export class W3CTraceparentPropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const spanContext = trace.getSpanContext(context)
    if (!spanContext || !isSpanContextValid(spanContext)) return
    const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0')
    setter.set(carrier, TRACEPARENT, `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`)
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const header = getter.get(carrier, TRACEPARENT)
    const value = Array.isArray(header) ? header[0] : header
    const match = value === undefined ? null : TRACEPARENT_PATTERN.exec(value)
    if (!match) return context
    const [, traceId, spanId, flags] = match as unknown as [string, string, string, string]
    return trace.setSpanContext(context, {
      traceId,
      spanId,
      traceFlags: Number.parseInt(flags, 16),
      isRemote: true,
    })
  }

  fields(): string[] {
    return [TRACEPARENT]
  }
}
