import type { AcknowledgeJobsParams, AcknowledgeResult, Backend } from './backend.js'

/**
 * `acknowledgeJobs` for a backend without a batched write of its own: calls `completeJobs`,
 * `failJobs` and `releaseJobs` for the lists that are not empty, in parallel. The `cancel` list
 * has no method of its own, so the backend writes it and adds its result. Backends that can write
 * a mixed batch in one round trip (MongoDB) implement `acknowledgeJobs` directly.
 */
export async function acknowledgeSeparately(
  backend: Pick<Backend, 'completeJobs' | 'failJobs' | 'releaseJobs'>,
  params: AcknowledgeJobsParams,
): Promise<Omit<AcknowledgeResult, 'cancel'>> {
  const { now } = params
  const [complete, fail, release] = await Promise.all([
    params.complete.length === 0
      ? { applied: [], lost: [] }
      : backend.completeJobs({ jobs: params.complete, now }),
    params.fail.length === 0
      ? { retried: [], failed: [], lost: [], cancelRequested: [] }
      : backend.failJobs({ jobs: params.fail, now }),
    params.release.length === 0
      ? { applied: [], lost: [], cancelRequested: [] }
      : backend.releaseJobs({ jobs: params.release, now }),
  ])
  return { complete, fail, release }
}
