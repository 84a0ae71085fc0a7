import { describe, expect, it } from 'vitest'
import { UsageError } from './cli-errors.js'
import {
  DEFAULT_DATABASE_NAME,
  DEFAULT_TIMEOUT_MS,
  databaseFromUri,
  describeAuthenticationFailure,
  resolveConnection,
  userFromUri,
} from './connect.js'

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
  })

  it('uses the "durabl" database when none is given, as in the in-process server URI', () => {
    expect(DEFAULT_DATABASE_NAME).toBe('durabl')
    expect(resolveConnection({ uri: 'mongodb://127.0.0.1:41234/?replicaSet=rs0' }, {})).toMatchObject({
      databaseName: 'durabl',
      databaseDefaulted: true,
    })
    expect(resolveConnection({ uri: 'mongodb://h' }, {}).databaseName).toBe('durabl')
    expect(resolveConnection({ uri: 'mongodb://h/app' }, {}).databaseDefaulted).toBe(false)
    expect(() => resolveConnection({ uri: 'mongodb://h', db: '' }, {})).toThrow(
      '--db (or MONGO_DB) must not be empty',
    )
  })
})

describe('describeAuthenticationFailure', () => {
  const resolved = resolveConnection({ uri: 'mongodb://b%40b:pw@h:1/?replicaSet=rs0' }, {})

  it('names the user of a rejected login and never the password', () => {
    const message = describeAuthenticationFailure({ code: 18, message: 'Authentication failed.' }, resolved)
    expect(message).toBe(
      'authentication failed for user "b@b" on mongodb://***@h:1/?replicaSet=rs0: check the user name, the password and authSource (server: Authentication failed.)',
    )
  })

  it('explains a server without authentication (CommandNotFound on saslStart)', () => {
    expect(
      describeAuthenticationFailure({ code: 59, message: "no such command: 'saslStart'" }, resolved),
    ).toMatch(
      /^authentication failed for user "b@b" on mongodb:\/\/\*\*\*@h:1\/\?replicaSet=rs0: the server does not support authentication/,
    )
    const anonymous = resolveConnection({ uri: 'mongodb://h:1/app' }, {})
    expect(
      describeAuthenticationFailure({ code: 59, message: "no such command: 'saslStart'" }, anonymous),
    ).toBeUndefined()
    expect(describeAuthenticationFailure({ code: 13, message: 'unauthorized' }, resolved)).toBeUndefined()
    expect(describeAuthenticationFailure(new Error('ECONNREFUSED'), resolved)).toBeUndefined()
  })

  it('reads the user name from the connection string', () => {
    expect(userFromUri('mongodb://ops:x@h1,h2/app')).toBe('ops')
    expect(userFromUri('mongodb+srv://token@cluster.example.net')).toBe('token')
    expect(userFromUri('mongodb://h/app')).toBeUndefined()
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
