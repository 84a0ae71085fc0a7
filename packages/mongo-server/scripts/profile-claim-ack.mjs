// Measures the in-process MongoDB server's CPU per job on durabl's claim/ack workload.
// The server runs in a child process (so client CPU is not counted); this process runs a
// @durabl/core JobQueue over @durabl/mongo's MongoBackend with a no-op handler.
//
//   node packages/mongo-server/scripts/profile-claim-ack.mjs [jobs=3000] [concurrency=16]
//   SERVER_DIST=<path to another build's index.js> compares against that build
//   PROFILE=1 ... adds --cpu-prof to the server child (profile written under /tmp/claim-ack-prof)
//   SERVER_FLAGS='--trace-gc' ... passes node flags to the server child
// It measures 500 jobs first (warm-up), then the given number; CPU is the server process's
// process.cpuUsage() (user + system, every thread) over enqueueing and draining, divided by jobs.
//
// Run after `pnpm build` (it imports the built dist of @durabl/mongo-server, core and mongo).
import { fork } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const here = fileURLToPath(import.meta.url)
const jobs = Number(process.argv[2] ?? 3000)
const concurrency = Number(process.argv[3] ?? 16)

if (process.argv[2] === '--server') {
  const { startMongoServer } = await import(process.env.SERVER_DIST ?? '../dist/index.js')
  const server = await startMongoServer()
  process.on('message', (message) => {
    if (message === 'cpu') process.send({ cpu: process.cpuUsage(), commands: server.stats().commands })
    if (message === 'stop') server.stop().then(() => process.exit(0))
  })
  process.send({ uri: server.uri })
} else {
  const require = createRequire(new URL('../../mongo/package.json', import.meta.url))
  const { MongoClient } = await import(require.resolve('mongodb'))
  const { JobQueue } = await import(new URL('../../core/dist/index.js', import.meta.url).href)
  const { MongoBackend } = await import(new URL('../../mongo/dist/index.js', import.meta.url).href)

  const execArgv = [
    ...(process.env.PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/claim-ack-prof'] : []),
    ...(process.env.SERVER_FLAGS ?? '').split(' ').filter(Boolean),
  ]
  const child = fork(here, ['--server'], { execArgv })
  const ask = (message, key) =>
    new Promise((resolve) => {
      const onMessage = (reply) => {
        if (key in reply) {
          child.off('message', onMessage)
          resolve(key === 'cpu' ? { ...reply.cpu, commands: reply.commands } : reply[key])
        }
      }
      child.on('message', onMessage)
      if (message) child.send(message)
    })
  const uri = await ask(undefined, 'uri')
  const client = new MongoClient(uri)
  await client.connect()

  async function run(count, label) {
    const db = client.db(`profile_${label}`)
    const queue = new JobQueue(new MongoBackend({ db }), { instanceConcurrency: Math.max(100, concurrency) })
    let completed = 0
    let done
    const drained = new Promise((resolve) => {
      done = resolve
    })
    queue.on('job:completed', () => {
      completed += 1
      if (completed >= count) done()
    })
    queue.process('noop', async () => undefined, { concurrency })
    await queue.startup()
    const items = Array.from({ length: count }, (_, n) => ({ type: 'noop', data: { n } }))
    const before = await ask('cpu', 'cpu')
    const startedAt = performance.now()
    for (let offset = 0; offset < count; offset += 500) {
      await queue.enqueueMany(items.slice(offset, offset + 500))
    }
    await drained
    const seconds = (performance.now() - startedAt) / 1000
    const after = await ask('cpu', 'cpu')
    await queue.shutdown()
    const micros = after.user - before.user + (after.system - before.system)
    const commands = Object.entries(after.commands)
      .map(([name, total]) => [name, (total - (before.commands[name] ?? 0)) / count])
      .filter(([, perJob]) => perJob > 0)
      .map(([name, perJob]) => `${name} ${perJob.toFixed(3)}`)
      .join(', ')
    const system = (after.system - before.system) / count
    return { micros: micros / count, system, rate: count / seconds, commands }
  }

  await run(Math.min(500, jobs), 'warmup')
  const result = await run(jobs, 'measured')
  console.log(
    `server CPU ${result.micros.toFixed(0)} µs/job (${result.system.toFixed(0)} of it system) (enqueue + claim + ack), ${result.rate.toFixed(0)} jobs/s, jobs=${jobs} concurrency=${concurrency}\ncommands per job: ${result.commands}`,
  )
  await client.close()
  child.send('stop')
}
