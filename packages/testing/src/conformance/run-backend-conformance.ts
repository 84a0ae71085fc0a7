import { describe } from 'vitest'
import { describeAcknowledgeTests } from './acknowledge-tests.js'
import { describeAdminTests } from './admin-tests.js'
import { describeCancelPushTests } from './cancel-push-tests.js'
import { describeCancelRuntimeTests } from './cancel-runtime-tests.js'
import { describeCancelTests } from './cancel-tests.js'
import { describeClaimOrEnqueueTests } from './claim-or-enqueue-tests.js'
import { describeConcurrencyTests } from './concurrency-tests.js'
import { createConformanceContext } from './conformance-context.js'
import type { ConformanceOptions } from './conformance-target.js'
import { describeControlStoreTests } from './control-store-tests.js'
import { describeDedupeTests } from './dedupe-tests.js'
import { describeDelayTests } from './delay-tests.js'
import { describeEnqueueTests } from './enqueue-tests.js'
import { describeFencingTests } from './fencing-tests.js'
import { describeFlowControlRuntimeTests } from './flow-control-runtime-tests.js'
import { describeHeartbeatTests } from './heartbeat-tests.js'
import { describeLimitTests } from './limit-tests.js'
import { describeNextDueTests } from './next-due-tests.js'
import { describeOrderingTests } from './ordering-tests.js'
import { describePushTests } from './push-tests.js'
import { describeRecoveryTests } from './recovery-tests.js'
import { describeRetryTests } from './retry-tests.js'
import { describeScheduleRuntimeTests } from './schedule-runtime-tests.js'
import { describeScheduleStoreTests } from './schedule-store-tests.js'
import { describeSnoozeTests } from './snooze-tests.js'
import { describeStatsTests } from './stats-tests.js'
import { describeTransactionTests } from './transaction-tests.js'
import { describeWorkerRegistryTests } from './worker-registry-tests.js'

/**
 * Registers the backend contract's tests (vitest `describe`/`it`) in the calling test file. Each
 * test gets a fresh backend from `createBackend`, passes explicit synthetic times, and never
 * sleeps; tests for a capability the backend lacks are reported as skipped, with the reason.
 *
 * ```ts
 * runBackendConformance({ name: 'MemoryBackend', createBackend: () => ({ backend: new MemoryBackend() }) })
 * ```
 */
export function runBackendConformance(options: ConformanceOptions): void {
  describe(`backend conformance: ${options.name}`, () => {
    const context = createConformanceContext(options)
    describeEnqueueTests(context)
    describeOrderingTests(context)
    describeDelayTests(context)
    describeNextDueTests(context)
    describeRetryTests(context)
    describeAcknowledgeTests(context)
    describeFencingTests(context)
    describeRecoveryTests(context)
    describeDedupeTests(context)
    describeClaimOrEnqueueTests(context)
    describeHeartbeatTests(context)
    describeStatsTests(context)
    describeAdminTests(context)
    describeCancelTests(context)
    describeCancelRuntimeTests(context)
    describeCancelPushTests(context)
    describeSnoozeTests(context)
    describeConcurrencyTests(context)
    describeLimitTests(context)
    describeTransactionTests(context)
    describePushTests(context)
    describeScheduleStoreTests(context)
    describeScheduleRuntimeTests(context)
    describeWorkerRegistryTests(context)
    describeControlStoreTests(context)
    describeFlowControlRuntimeTests(context)
  })
}
