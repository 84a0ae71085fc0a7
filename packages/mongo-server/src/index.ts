/**
 * An in-memory MongoDB wire-protocol server for tests and demos: the official `mongodb` driver
 * connects to it as to a single-node replica set (or a standalone server). No persistence, no
 * authentication; binds loopback by default.
 */
export type { MongoServerFaults } from './server/faults.js'
export type { MongoServer, MongoServerOptions, MongoServerStats } from './server/start-mongo-server.js'
export { startMongoServer } from './server/start-mongo-server.js'
