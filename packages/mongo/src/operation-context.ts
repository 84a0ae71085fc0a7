import type { Collection } from 'mongodb'
import type { JobDocument } from './job-document.js'
import type { ResolvedMongoBackendOptions } from './options.js'

/** What every storage operation receives: the collection and the resolved options. */
export interface OperationContext {
  collection: Collection<JobDocument>
  options: ResolvedMongoBackendOptions
}
