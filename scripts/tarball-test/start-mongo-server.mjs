// Starts the in-process MongoDB server from the installed @durabl/mongo-server tarball, prints its
// URI as one JSON line, and stops it when stdin closes (the runner ends it that way, or by dying).
import { startMongoServer } from '@durabl/mongo-server'

const server = await startMongoServer({ replSet: 'rs0' })
console.log(JSON.stringify({ uri: server.uri }))
process.stdin.resume()
process.stdin.on('end', async () => {
  await server.stop()
  process.exit(0)
})
