import { useMongo } from '@durabl/mongo-server/harness'
import { beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, runCli } from './support/run-cli.js'
import { enqueue, newJob, seededBackend } from './support/seed.js'

const mongo = await useMongo()
beforeAll(ensureBuilt, 120_000)

/** The harness's connection string with `database` as its path. */
function withDatabase(uri: string, database: string): string {
  return uri.replace(/^(mongodb(?:\+srv)?:\/\/[^/?]*)(\/[^?]*)?/, `$1/${database}`)
}

describe('connection', () => {
  it('never prints the credentials of an unreachable server', async () => {
    const uri = 'mongodb://user:secret@127.0.0.1:1/?serverSelectionTimeoutMS=500'
    const result = await runCli(['stats', '--uri', uri, '--db', 'app'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      'cannot connect to mongodb://***@127.0.0.1:1/?serverSelectionTimeoutMS=500 (waited',
    )
    expect(`${result.stdout}${result.stderr}`).not.toContain('secret')
  })

  it('never prints credentials from MONGO_URL', async () => {
    const uri = 'mongodb://admin:s3cr3t-pw@127.0.0.1:1/app?authSource=admin'
    const result = await runCli(['jobs', 'list', '--timeout-ms', '300'], { env: { MONGO_URL: uri } })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      'cannot connect to mongodb://***@127.0.0.1:1/app?authSource=admin (waited 300ms; see --timeout-ms)',
    )
    expect(`${result.stdout}${result.stderr}`).not.toContain('s3cr3t-pw')
  })

  it('never prints credentials of a connection string the driver refuses (exit 2)', async () => {
    const uri = 'mongodb://admin:s3cr3t-pw@127.0.0.1:1/app?password=secret'
    const result = await runCli(['jobs', 'list', '--uri', uri])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('invalid connection string')
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/s3cr3t-pw|secret/)
  })

  it('never prints credentials the server rejected', async () => {
    const db = await mongo.db()
    const reachable = mongo.target.connectionString.replace(
      /^mongodb:\/\/(?:[^@/]*@)?/,
      'mongodb://user:secret@',
    )
    const result = await runCli([
      'stats',
      '--uri',
      reachable,
      '--db',
      db.databaseName,
      '--timeout-ms',
      '2000',
    ])
    expect(result.code).toBe(1)
    expect(`${result.stdout}${result.stderr}`).not.toContain('secret')
  })

  it('reports a rejected login as "authentication failed for user X", the URI redacted', async () => {
    // mongod answers a SCRAM login with an unknown user or a wrong password with code 18
    // AuthenticationFailed ("Authentication failed.", error_codes.yml; the manual's SCRAM page), and
    // a server without authentication answers saslStart with 59 CommandNotFound. Either way the
    // CLI names the user and never prints the password.
    const db = await mongo.db()
    const withCredentials = mongo.target.connectionString.replace(
      /^mongodb:\/\/(?:[^@/]*@)?/,
      'mongodb://durabl-nobody:n0t-the-pw@',
    )
    const result = await runCli(['stats', '--uri', withCredentials, '--db', db.databaseName])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(
      /^durabl: authentication failed for user "durabl-nobody" on mongodb:\/\/\*\*\*@/,
    )
    expect(result.stderr).not.toContain('saslStart\n')
    expect(`${result.stdout}${result.stderr}`).not.toContain('n0t-the-pw')
  })

  it('uses the "durabl" database when the URI names none, and says so when the collection is not there', async () => {
    // The harness URI (and the in-process server's, mongodb://127.0.0.1:<port>/?replicaSet=rs0) has
    // no database path. A collection name of this test's own keeps the default database untouched.
    const collection = `cli_default_db_${process.pid}_${Date.now()}`
    const uri = mongo.target.connectionString.replace(/^(mongodb(?:\+srv)?:\/\/[^/?]*)\/?[^?]*/, '$1/')
    const result = await runCli(['stats', '--json', '--collection', collection], { env: { MONGO_URL: uri } })
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout).types).toEqual([])
    expect(result.stderr).toContain(
      `durabl: note: durabl.${collection} does not exist. No database was given, so the default "durabl" is used`,
    )
  })

  it('reads MONGO_URL, the database from its path, and MONGO_DB over it', async () => {
    const { db, backend } = await seededBackend(mongo)
    await enqueue(backend, newJob('email'))
    const uri = withDatabase(mongo.target.connectionString, db.databaseName)
    const fromPath = await runCli(['stats', '--json'], { env: { MONGO_URL: uri } })
    expect(fromPath.code).toBe(0)
    expect(JSON.parse(fromPath.stdout).total.pending).toBe(1)

    const other = await mongo.db()
    const overridden = await runCli(['stats', '--json'], {
      env: { MONGO_URL: uri, MONGO_DB: other.databaseName },
    })
    expect(JSON.parse(overridden.stdout).types).toEqual([])
  })

  it('uses --collection', async () => {
    const db = await mongo.db()
    const { MongoBackend } = await import('@durabl/mongo')
    const backend = new MongoBackend({ db, collectionName: 'queue_jobs', useChangeStreams: false })
    await enqueue(backend, newJob('email'))
    const args = ['--uri', mongo.target.connectionString, '--db', db.databaseName]
    const result = await runCli(['stats', '--json', '--collection', 'queue_jobs', ...args])
    expect(JSON.parse(result.stdout).total.pending).toBe(1)
  })
})
