export { MIN_BEARER_TOKEN_LENGTH } from './bearer-token.js'
export { instrumentQueue, type QueueInstrumentation } from './instrument-queue.js'
export {
  INSTRUMENT_QUEUE_DEFAULTS,
  type InstrumentQueueOptions,
  MAX_QUEUE_NAME_LENGTH,
  type ResolvedInstrumentQueueOptions,
  resolveInstrumentQueueOptions,
} from './instrument-queue-options.js'
export type { ConcurrencySnapshot, InstrumentableQueue } from './instrumentable-queue.js'
export { METRIC_NAMES, type MetricName } from './metric-names.js'
export { createMetricsHandler, type MetricsHandler, type MetricsHandlerOptions } from './metrics-handler.js'
export {
  METRICS_SERVER_DEFAULTS,
  type MetricsServer,
  type MetricsServerOptions,
  startMetricsServer,
} from './metrics-server.js'
