export { detectTopology, type Topology } from './change-stream/detect-topology.js'
export { ensureJobIndexes, type JobIndex, jobIndexes, MONGO_INDEXES } from './indexes.js'
export type { DedupeSlots, JobDocument } from './job-document.js'
export { MongoBackend, OWN_WRITES_READ } from './mongo-backend.js'
export { CLAIM_INDEX_NAME, CLAIM_SORT, claimQuery } from './operations/claim-query.js'
export {
  DEDUPE_KEY_INDEX_NAME,
  DEDUPE_KEY_SORT,
  dedupeKeyCondition,
  dedupePrecheckQuery,
} from './operations/dedupe-key-query.js'
export { STATS_INDEX_NAME, statsQueries } from './operations/get-stats.js'
export { LEASE_EXPIRY_INDEX_NAME, leaseExpiryQuery } from './operations/lease-expiry-query.js'
export type { PurgeJobsParams } from './operations/purge-jobs.js'
export { DOCUMENT_TOO_LARGE_ERROR_CODE } from './operations/too-large-failure.js'
export {
  MONGO_DEFAULTS,
  MONGO_MAX_BSON_BYTES,
  type MongoBackendOptions,
  type ResolvedMongoBackendOptions,
  type ResolvedRetention,
  type RetentionOptions,
  resolveMongoBackendOptions,
} from './options.js'
export { redact } from './redact.js'
export { OCCURRENCE_INDEX_NAME, occurrenceKeysQuery } from './schedules/occurrence-index.js'
export type { ScheduleDocument } from './schedules/schedule-document.js'
export { isTransientMongoError, toBackendError } from './to-backend-error.js'
export { WORKERS_TTL_INDEX_NAME, type WorkerDocument } from './workers/worker-document.js'
