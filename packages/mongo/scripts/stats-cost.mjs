// Measures what one `getStats` costs over a collection holding many retained finished jobs.
// Not part of CI. Build first (`pnpm build`), then from packages/mongo:
//
//   node --max-old-space-size=6144 scripts/stats-cost.mjs [completedJobs=1000000] [runs=5]
//
// Loads the jobs into the in-process server (@durabl/mongo-server) with insertMany batches, times
// getStats, and prints every command it sent with the server's explain of it. It also times the
// single `$match: {}` + `$group` aggregate that getStats sent before it stopped scanning the
// collection ("before"), on the same data, so one load gives both numbers. The in-process server
// executes every read as a scan (its planner only explains), so its timings count passes over the
// collection; the plans show which index mongod would use. On a real deployment set MONGO_URL to
// read mongod's keysExamined/docsExamined instead (the script then loads into a fresh database).
import { performance } from 'node:perf_hooks'
import { startMongoServer } from '@durabl/mongo-server'
import { MongoClient, ObjectId } from 'mongodb'
import { MongoBackend } from '../dist/index.js'

const completedJobs = Number(process.argv[2] ?? 1_000_000)
const runs = Number(process.argv[3] ?? 5)
const TYPES = Array.from({ length: 10 }, (_, index) => `type-${index}`)
const BATCH = 10_000
const now = new Date('2040-01-01T00:00:00Z')

const server = process.env.MONGO_URL ? null : await startMongoServer()
const client = new MongoClient(process.env.MONGO_URL ?? server.uri, { monitorCommands: true })
await client.connect()
const db = client.db(`stats_cost_${process.pid}`)
const backend = new MongoBackend({ db, useChangeStreams: false })
await backend.startup()

function job(index, state) {
  const type = TYPES[index % TYPES.length]
  const finished = state === 'completed' || state === 'failed'
  return {
    _id: new ObjectId(),
    type,
    data: { index },
    priority: 0,
    runAt: new Date(now.getTime() + (state === 'pending' && index % 2 === 0 ? 60_000 : -60_000)),
    maxAttempts: 3,
    backoff: null,
    timeoutMs: null,
    metadata: {},
    state,
    attempts: state === 'pending' ? 0 : 1,
    dedupeKey: null,
    dedupeScope: null,
    leaseToken: state === 'active' ? `token-${index}` : null,
    leaseExpiresAt: state === 'active' ? new Date(now.getTime() + 30_000) : null,
    workerId: state === 'active' ? 'bench' : null,
    lastError: null,
    errors: [],
    logs: [],
    progress: null,
    result: finished ? { ok: true } : null,
    createdAt: now,
    updatedAt: now,
    startedAt: state === 'pending' ? null : now,
    finishedAt: finished ? now : null,
    ...(finished ? { expiresAt: new Date(now.getTime() + 86_400_000) } : {}),
    rev: state === 'pending' ? 0 : 2,
  }
}

async function load(state, count) {
  for (let start = 0; start < count; start += BATCH) {
    const documents = []
    for (let index = start; index < Math.min(count, start + BATCH); index += 1)
      documents.push(job(index, state))
    await backend.collection.insertMany(documents, { ordered: false })
    if ((start / BATCH) % 10 === 0) console.log(`  ${state}: ${start + documents.length} loaded`)
  }
}

const loadStarted = performance.now()
await load('completed', completedJobs)
await load('failed', 1_000)
await load('pending', 2_000)
await load('active', 100)
console.log(
  `loaded ${completedJobs} completed, 1000 failed, 2000 pending, 100 active jobs in ${Math.round(performance.now() - loadStarted)} ms`,
)

const sent = []
const listener = (event) => {
  if (['hello', 'ismaster', 'isMaster', 'endSessions', 'ping'].includes(event.commandName)) return
  sent.push(event.command)
}
client.on('commandStarted', listener)
const stats = await backend.getStats({ now })
client.off('commandStarted', listener)
console.log('total:', JSON.stringify(stats.total))

const timings = []
for (let run = 0; run < runs; run += 1) {
  const started = performance.now()
  await backend.getStats({ now })
  timings.push(performance.now() - started)
}
timings.sort((left, right) => left - right)
console.log(
  `getStats over ${runs} runs: median ${timings[Math.floor(runs / 2)].toFixed(1)} ms, min ${timings[0].toFixed(1)} ms, max ${timings[runs - 1].toFixed(1)} ms`,
)

// The aggregate getStats ran before (@durabl/mongo up to this change), verbatim.
const isDue = { $and: [{ $eq: ['$state', 'pending'] }, { $lte: ['$runAt', now] }] }
const before = [
  { $match: {} },
  {
    $group: {
      _id: { type: '$type', state: '$state' },
      count: { $sum: 1 },
      due: { $sum: { $cond: [isDue, 1, 0] } },
      oldestDueAt: { $min: { $cond: [isDue, '$runAt', null] } },
    },
  },
]
const beforeTimings = []
for (let run = 0; run < runs; run += 1) {
  const started = performance.now()
  await backend.collection.aggregate(before).toArray()
  beforeTimings.push(performance.now() - started)
}
beforeTimings.sort((left, right) => left - right)
console.log(
  `before (one $match: {} + $group aggregate) over ${runs} runs: median ${beforeTimings[Math.floor(runs / 2)].toFixed(1)} ms, min ${beforeTimings[0].toFixed(1)} ms, max ${beforeTimings[runs - 1].toFixed(1)} ms`,
)
sent.push({ aggregate: 'durabl_jobs', pipeline: before, cursor: {} })

console.log(`\ncommands of one getStats: ${sent.length - 1} (plus the "before" aggregate, last)`)
const seenShapes = new Set()
for (const command of sent) {
  const { lsid, $db, $clusterTime, $readPreference, readConcern, ...body } = command
  // One explain per command shape: the counts of each type differ only in the type.
  const shape = JSON.stringify(body, (key, value) => (key === 'type' ? '<type>' : value))
  if (seenShapes.has(shape)) continue
  seenShapes.add(shape)
  console.log(`\n> ${JSON.stringify(body)}`)
  try {
    const explain = await db.command({ explain: body, verbosity: 'executionStats' })
    const plan = explain.queryPlanner?.winningPlan ?? explain.stages?.[0]?.$cursor?.queryPlanner?.winningPlan
    console.log(`  plan: ${JSON.stringify(plan)}`)
    const execution = explain.executionStats ?? explain.stages?.[0]?.$cursor?.executionStats
    if (execution) {
      const { totalKeysExamined, totalDocsExamined, nReturned } = execution
      console.log(`  executionStats: ${JSON.stringify({ nReturned, totalKeysExamined, totalDocsExamined })}`)
    }
  } catch (error) {
    console.log(`  explain unavailable: ${error.message}`)
  }
}

await db.dropDatabase()
await client.close()
await server?.stop()
