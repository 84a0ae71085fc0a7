/**
 * One MongoDB test harness for the whole repository: MONGO_URL if set, else mongodb-memory-server
 * when a mongod binary is available, else the in-process server. See the package README.
 */
export { acquireMongoTarget, releaseMongoTarget } from './harness/acquire-mongo-target.js'
export type { MongoCapabilities, MongoTarget, MongoTargetKind } from './harness/mongo-target.js'
export { redactUri } from './harness/redact-uri.js'
export type { MongoCapability, MongoHarness, SkippableContext } from './harness/use-mongo.js'
export { useMongo } from './harness/use-mongo.js'
