// Pickup latency on the in-process server, split into steps: enqueue → insert reply, → the
// worker's change-stream getMore reply, → claim sent, → claim reply, → handler start.
// The server and the producer run in this process (as in `pnpm bench`); the worker in a child.
//
//   node packages/mongo-server/scripts/profile-pickup.mjs [samples=200] [gapMs=25]
//   PROFILE=1 ... adds --cpu-prof to the worker child (profile written under /tmp/pickup-prof)
// Steps, each a p50/p95 over the samples: insert (enqueue call → insert reply, producer side),
// getMore (enqueue call → the worker's change-stream getMore reply), toClaim (that reply → the
// claim command sent), claim (its round trip), toHandler (claim reply → handler start), total.
//
// Run after `pnpm build` (it imports the built dist of @durabl/mongo-server, core and mongo).
import { fork } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const here = fileURLToPath(import.meta.url)
const samples = Number(process.argv[2] ?? 200)
const gapMs = Number(process.argv[3] ?? 25)
const nowMs = () => performance.timeOrigin + performance.now()
const require = createRequire(new URL('../../mongo/package.json', import.meta.url))
const { MongoClient } = await import(require.resolve('mongodb'))

if (process.argv[2] === '--worker') {
  const { JobQueue } = await import(new URL('../../core/dist/index.js', import.meta.url).href)
  const { MongoBackend } = await import(new URL('../../mongo/dist/index.js', import.meta.url).href)
  const client = new MongoClient(process.argv[3], { monitorCommands: true })
  let marks = {}
  client.on('commandSucceeded', (event) => {
    if (event.commandName === 'getMore') marks.getMoreReply ??= nowMs()
    if (event.commandName === 'findAndModify' || event.commandName === 'update') marks.claimReply ??= nowMs()
  })
  client.on('commandStarted', (event) => {
    if (event.commandName === 'findAndModify' || event.commandName === 'find') marks.claimSent ??= nowMs()
  })
  await client.connect()
  const queue = new JobQueue(new MongoBackend({ db: client.db('pickup') }), { instanceConcurrency: 100 })
  await queue.startup()
  const connected = new Promise((resolve) => queue.once('push:connected', resolve))
  queue.process('bench', async () => {
    process.send({ ...marks, started: nowMs() })
    marks = {}
  })
  await connected
  process.send({ ready: true })
  process.on('message', (message) => {
    if (message === 'reset') marks = {}
    if (message === 'stop')
      queue
        .shutdown()
        .then(() => client.close())
        .then(() => process.exit(0))
  })
} else {
  const { startMongoServer } = await import(new URL('../dist/index.js', import.meta.url).href)
  const { JobQueue } = await import(new URL('../../core/dist/index.js', import.meta.url).href)
  const { MongoBackend } = await import(new URL('../../mongo/dist/index.js', import.meta.url).href)
  const server = await startMongoServer()
  const client = new MongoClient(server.uri)
  await client.connect()
  const producer = new JobQueue(new MongoBackend({ db: client.db('pickup'), useChangeStreams: false }))
  const child = fork(here, ['--worker', server.uri], {
    execArgv: process.env.PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/pickup-prof'] : [],
  })
  let onMarks = null
  const ready = new Promise((resolve) => {
    child.on('message', (message) => (message.ready ? resolve() : onMarks?.(message)))
  })
  await ready
  const steps = { insert: [], getMore: [], toClaim: [], claim: [], toHandler: [], total: [] }
  for (let index = 0; index < samples + 3; index += 1) {
    const done = new Promise((resolve) => (onMarks = resolve))
    const sentAt = nowMs()
    await producer.enqueue('bench', {})
    const inserted = nowMs()
    const marks = await done
    if (index >= 3) {
      steps.insert.push(inserted - sentAt)
      steps.getMore.push(marks.getMoreReply - sentAt)
      steps.toClaim.push(marks.claimSent - marks.getMoreReply)
      steps.claim.push(marks.claimReply - marks.claimSent)
      steps.toHandler.push(marks.started - marks.claimReply)
      steps.total.push(marks.started - sentAt)
    }
    await new Promise((resolve) => setTimeout(resolve, gapMs + Math.random() * gapMs))
    child.send('reset')
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
  const quantile = (values, q) => [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))]
  for (const [name, values] of Object.entries(steps)) {
    console.log(
      `${name.padEnd(10)} p50 ${quantile(values, 0.5).toFixed(2)} ms  p95 ${quantile(values, 0.95).toFixed(2)} ms`,
    )
  }
  child.send('stop')
  await new Promise((resolve) => child.once('exit', resolve))
  await client.close()
  await server.stop()
}
