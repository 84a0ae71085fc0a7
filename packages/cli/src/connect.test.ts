import { describe, expect, it } from 'vitest'
import { UsageError } from './cli-errors.js'
import { DEFAULT_TIMEOUT_MS, databaseFromUri, resolveConnection } from './connect.js'

describe('resolveConnection', () => {
  it('takes --uri over MONGO_URL, and --db over MONGO_DB over the URI path', () => {
    const env = { MONGO_URL: 'mongodb://env-host/envdb', MONGO_DB: 'fromenv' }
    expect(resolveConnection({ uri: 'mongodb://flag-host/flagdb' }, {})).toMatchObject({
      uri: 'mongodb://flag-host/flagdb',
      databaseName: 'flagdb',
      collectionName: 'durabl_jobs',
      timeoutMs: DEFAULT_TIMEOUT_MS,
    })
    expect(resolveConnection({}, env).databaseName).toBe('fromenv')
    expect(resolveConnection({ db: 'flag' }, env).databaseName).toBe('flag')
    expect(resolveConnection({}, { MONGO_URL: 'mongodb://h/app' }).databaseName).toBe('app')
  })

  it('redacts the URI and leaves a timeout set in it alone', () => {
    const resolved = resolveConnection({ uri: 'mongodb://u:p4ss@h:1/app?serverSelectionTimeoutMS=100' }, {})
    expect(resolved.redactedUri).toBe('mongodb://***@h:1/app?serverSelectionTimeoutMS=100')
    expect(resolved.timeoutMs).toBeUndefined()
    expect(resolveConnection({ uri: 'mongodb://h/app', timeoutMs: 50 }, {}).timeoutMs).toBe(50)
  })

  it('refuses a missing or malformed URI without echoing it', () => {
    expect(() => resolveConnection({}, {})).toThrow(UsageError)
    expect(() => resolveConnection({ uri: 'user:secret@host' }, {})).toThrow(
      /^--uri \(or MONGO_URL\) must be a connection string starting with mongodb:\/\//,
    )
    expect(() => resolveConnection({ uri: 'mongodb://h' }, {})).toThrow('no database')
  })
})

describe('databaseFromUri', () => {
  it.each([
    ['mongodb://h', undefined],
    ['mongodb://h/', undefined],
    ['mongodb://u:p@h1:1,h2:2/app?replicaSet=rs0', 'app'],
    ['mongodb+srv://cluster.example.net/my%20db', 'my db'],
  ])('%s → %s', (uri, database) => {
    expect(databaseFromUri(uri)).toBe(database)
  })
})
