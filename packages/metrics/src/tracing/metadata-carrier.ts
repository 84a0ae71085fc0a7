import type { JobMetadata } from '@durabl/core'
import type { TextMapGetter, TextMapSetter } from '@opentelemetry/api'

/** Reads propagation fields (`traceparent`, `tracestate`, `baggage`) from a job's metadata. */
export const metadataGetter: TextMapGetter<JobMetadata> = {
  keys: (carrier) => Object.keys(carrier),
  // Own keys only: metadata is user data, and `constructor` is not a header.
  get: (carrier, key) => (Object.hasOwn(carrier, key) ? carrier[key] : undefined),
}

/** Writes propagation fields into a fresh carrier, merged into the job's metadata afterwards. */
export const metadataSetter: TextMapSetter<JobMetadata> = {
  set: (carrier, key, value) => {
    carrier[key] = value
  },
}
