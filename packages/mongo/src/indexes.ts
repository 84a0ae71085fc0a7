import type { Collection, Db, Document, IndexDirection } from 'mongodb'
import { commandComment } from './command-comment.js'
import { CLAIM_INDEX_NAME } from './operations/claim-query.js'
import { DEDUPE_KEY_INDEX_NAME, DEDUPE_KEY_PARTIAL_FILTER } from './operations/dedupe-key-query.js'
import { LEASE_EXPIRY_INDEX_NAME, LEASE_EXPIRY_PARTIAL_FILTER } from './operations/lease-expiry-query.js'
import { NEXT_DUE_INDEX_NAME } from './operations/next-due-at.js'
import { OCCURRENCE_INDEX_NAME, OCCURRENCE_PARTIAL_FILTER } from './schedules/occurrence-index.js'

/** The unique index of the dedupe queued slot (see `DedupeSlots`). */
export const DEDUPE_PENDING_INDEX_NAME = 'durabl_dedupe_pending'
/** The unique index of the dedupe running slot (see `DedupeSlots`). */
export const DEDUPE_ACTIVE_INDEX_NAME = 'durabl_dedupe_active'

/** The unique index of the fleet-wide type concurrency slots (see `LimitSlots`). */
export const LIMIT_TYPE_SLOT_INDEX_NAME = 'durabl_limit_type'
/** The unique index of the fleet-wide per-key concurrency slots (see `LimitSlots`). */
export const LIMIT_KEY_SLOT_INDEX_NAME = 'durabl_limit_key'
/** The TTL index of the limiters collection: a limiter whose window is empty is deleted. */
export const LIMITER_TTL_INDEX_NAME = 'durabl_limiter_ttl'

/** One index of the jobs collection, with the queries it serves. */
export interface JobIndex {
  name: string
  key: Record<string, IndexDirection>
  options: {
    unique?: boolean
    partialFilterExpression?: Document
    expireAfterSeconds?: number
  }
  /** The operations that use it (for the README, the CLI and reviewers). */
  serves: string
}

/**
 * Every index the backend relies on. `startup()` creates them (unless `createIndexes: false`);
 * deployments whose application user may not create indexes create these ahead of time:
 *
 * ```js
 * for (const index of jobIndexes()) await db.collection('durabl_jobs').createIndex(index.key, { name: index.name, ...index.options })
 * ```
 */
export function jobIndexes(): JobIndex[] {
  return [
    {
      name: CLAIM_INDEX_NAME,
      key: { type: 1, priority: 1, runAt: 1, _id: 1 },
      options: { partialFilterExpression: { state: 'pending' } },
      serves:
        "claimJobs: { state: 'pending', type: { $in }, runAt: { $lte: now } } sorted { priority, runAt, _id } " +
        '(equality on type, then the sort; partial on pending so the hot index holds only claimable work)',
    },
    {
      // The claim index cannot answer "earliest runAt" across priorities without sorting every
      // delayed job in memory (priority precedes runAt in its key); this one reads a key per type.
      name: NEXT_DUE_INDEX_NAME,
      key: { type: 1, runAt: 1 },
      options: { partialFilterExpression: { state: 'pending' } },
      serves:
        "nextDueAt: { state: 'pending', type: { $in }, runAt: { $gt: now } } sorted { runAt }, limit 1 " +
        '(after a short claim, so a delayed job nobody announced runs at its due time; partial on pending)',
    },
    {
      name: LEASE_EXPIRY_INDEX_NAME,
      key: { leaseExpiresAt: 1 },
      options: { partialFilterExpression: { ...LEASE_EXPIRY_PARTIAL_FILTER } },
      serves: "recoverExpiredLeases: { state: 'active', leaseExpiresAt: { $lt: now } }",
    },
    {
      name: DEDUPE_PENDING_INDEX_NAME,
      key: { 'dedupe.pendingKey': 1 },
      options: { unique: true, partialFilterExpression: { 'dedupe.pendingKey': { $type: 'string' } } },
      serves: "dedupe: at most one queued job per key (enqueueJobs returns null on E11000; 'pending' scope)",
    },
    {
      name: DEDUPE_ACTIVE_INDEX_NAME,
      key: { 'dedupe.activeKey': 1 },
      options: { unique: true, partialFilterExpression: { 'dedupe.activeKey': { $type: 'string' } } },
      serves:
        "dedupe: at most one running job per key (a claim that would break it skips the job: single-flight); 'pending+active' jobs hold it from enqueue",
    },
    {
      name: LIMIT_TYPE_SLOT_INDEX_NAME,
      key: { 'limitSlots.type': 1 },
      options: { unique: true, partialFilterExpression: { 'limitSlots.type': { $type: 'string' } } },
      serves:
        'limits: at most `concurrency` active jobs of a limited type (one slot name each; a claim that would reuse a held slot gets E11000 and skips the job)',
    },
    {
      name: LIMIT_KEY_SLOT_INDEX_NAME,
      key: { 'limitSlots.key': 1 },
      options: { unique: true, partialFilterExpression: { 'limitSlots.key': { $type: 'string' } } },
      serves: 'limits: at most `perKey.concurrency` active jobs per limitKey of a limited type, as above',
    },
    {
      name: 'durabl_state_type',
      key: { state: 1, type: 1, _id: -1 },
      options: {},
      serves:
        'getStats (live jobs by state, distinct types and capped counts of finished ones), listJobs/cancelJobs/removeJobs by state and type, newest first; ' +
        "the limited claim's slot read: { state: 'active', type: { $in } }",
    },
    {
      name: 'durabl_finished',
      key: { state: 1, finishedAt: 1 },
      options: {},
      serves: 'purgeJobs({ state, finishedBefore }) and listJobs({ filter: { finishedBefore } })',
    },
    {
      name: DEDUPE_KEY_INDEX_NAME,
      key: { dedupeKey: 1, _id: -1 },
      options: { partialFilterExpression: { dedupeKey: { ...DEDUPE_KEY_PARTIAL_FILTER.dedupeKey } } },
      serves:
        "listJobs({ filter: { dedupeKey } }) and the enqueue duplicate pre-check inside transactions; both state the filter: dedupeKey: { $eq | $in, $type: 'string' }",
    },
    {
      name: OCCURRENCE_INDEX_NAME,
      key: { occurrenceKey: 1 },
      options: { unique: true, partialFilterExpression: { ...OCCURRENCE_PARTIAL_FILTER } },
      serves:
        "fireSchedule: at most one job per schedule occurrence, finished jobs included (the insert's E11000 on this index reports 'exists'); " +
        "the read that tells an occurrence already written from a dedupe overlap: occurrenceKey: { $in, $type: 'string' }",
    },
    {
      name: 'durabl_retention_ttl',
      key: { expiresAt: 1 },
      options: { expireAfterSeconds: 0 },
      serves: 'retention: MongoDB deletes finished jobs once expiresAt (set when they finish) has passed',
    },
  ]
}

/** The index list as a constant, for code that only reads it. */
export const MONGO_INDEXES: readonly JobIndex[] = jobIndexes()

/** Creates every index; a no-op for those that exist with the same definition. */
// biome-ignore lint/suspicious/noExplicitAny: any collection, whatever its document type
export async function ensureJobIndexes(collection: Collection<any>): Promise<void> {
  await collection.createIndexes(
    jobIndexes().map((index) => ({ key: index.key, name: index.name, ...index.options })),
  )
}

/**
 * {@link ensureJobIndexes} as one `createIndexes` command named `durabl:startup`: sent through
 * `runCommand`, because the driver's `createIndexes()` leaves a `comment` option out of the command.
 */
export async function createJobIndexes(db: Db, collectionName: string): Promise<void> {
  await db.command({
    createIndexes: collectionName,
    indexes: jobIndexes().map((index) => ({ key: index.key, name: index.name, ...index.options })),
    comment: commandComment('startup'),
  })
}

/**
 * The limiters collection's one index besides `_id`: a TTL on `expiresAt` (when a limiter's newest
 * start leaves its window), so limiters of keys no longer used do not pile up. One
 * `createIndexes` command named `durabl:startup`.
 */
export async function createLimiterIndexes(db: Db, collectionName: string): Promise<void> {
  await db.command({
    createIndexes: collectionName,
    indexes: [{ key: { expiresAt: 1 }, name: LIMITER_TTL_INDEX_NAME, expireAfterSeconds: 0 }],
    comment: commandComment('startup'),
  })
}
