export { detectTopology, type Topology } from './change-stream/detect-topology.js'
export { ensureJobIndexes, type JobIndex, jobIndexes, MONGO_INDEXES } from './indexes.js'
export type { DedupeSlots, JobDocument } from './job-document.js'
export { MongoBackend } from './mongo-backend.js'
export { CLAIM_INDEX_NAME, CLAIM_SORT, claimQuery } from './operations/claim-query.js'
export type { PurgeJobsParams } from './operations/purge-jobs.js'
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
export { isTransientMongoError, toBackendError } from './to-backend-error.js'
