import { describe, expect, it } from 'vitest'
import { UnrecoverableError } from '../errors/unrecoverable-error.js'
import { REDACTED, redactError, redactSecrets } from './redact-secrets.js'

describe('redactSecrets', () => {
  it.each([
    [
      'connect failed: mongodb://admin:hunter2@db.internal/app',
      'connect failed: mongodb://***@db.internal/app',
    ],
    [
      'mongodb+srv://ops:p%40ss@cluster0.example.net/?retryWrites=true',
      'mongodb+srv://***@cluster0.example.net/?retryWrites=true',
    ],
    [
      'mongodb://u:p@h1:27017,h2:27017/app?replicaSet=rs0',
      'mongodb://***@h1:27017,h2:27017/app?replicaSet=rs0',
    ],
    ['postgres://app:s3cret@pg:5432/db and more', 'postgres://***@pg:5432/db and more'],
    ['git clone https://ghp_abc123@github.com/o/r', 'git clone https://***@github.com/o/r'],
    ['redis://:pa@ss@cache:6379', 'redis://***@cache:6379'],
    ['amqp://guest:guest@rabbit/vhost", next', 'amqp://***@rabbit/vhost", next'],
  ])('removes URL userinfo: %s', (text, expected) => {
    expect(redactSecrets(text)).toBe(expected)
  })

  it.each([
    ['GET https://api.example.com/v1?token=abc&page=2', 'GET https://api.example.com/v1?token=***&page=2'],
    [
      'https://x.blob.core.windows.net/c/b?sv=2020&sig=AbC%2Bd&se=1',
      'https://x.blob.core.windows.net/c/b?sv=2020&sig=***&se=1',
    ],
    ['s3?X-Amz-Credential=AKIA/x&X-Amz-Signature=f00', 's3?X-Amz-Credential=***&X-Amz-Signature=***'],
    ['host=db user=app password=hunter2 dbname=x', 'host=db user=app password=*** dbname=x'],
    ['Server=db;User Id=sa;Password=Pa55;Database=x', 'Server=db;User Id=sa;Password=***;Database=x'],
    [
      '?api_key=k1&apikey=k2&api-key=k3&key=k4&client_secret=c',
      '?api_key=***&apikey=***&api-key=***&key=***&client_secret=***',
    ],
    [
      '?access_token=a&refresh_token=b&id_token=c&auth_token=d',
      '?access_token=***&refresh_token=***&id_token=***&auth_token=***',
    ],
  ])('removes secret parameter values: %s', (text, expected) => {
    expect(redactSecrets(text)).toBe(expected)
  })

  it('leaves text without secrets, and names that only end in a secret name, alone', () => {
    const text = 'job 42 failed at https://example.com/a?page=2 for me@example.com; my_token=x; monkey=1'
    expect(redactSecrets(text)).toBe(text)
  })

  it('applies extra patterns to every occurrence and ignores empty matches', () => {
    const patterns = [/Bearer [\w.~+/-]+=*/g, /(?=x)/g]
    expect(redactSecrets('auth Bearer abc.def and Bearer ghi', patterns)).toBe(
      `auth ${REDACTED} and ${REDACTED}`,
    )
  })
})

describe('redactError', () => {
  it('redacts message and stack in place and keeps the class', () => {
    const error = new UnrecoverableError('login mongodb://admin:hunter2@db/app failed')
    const redacted = redactError(error)
    expect(redacted).toBe(error)
    expect(UnrecoverableError.isInstance(redacted)).toBe(true)
    expect(redacted.message).toBe('login mongodb://***@db/app failed')
    expect(redacted.stack).not.toContain('hunter2')
    expect(redacted.stack).toContain('mongodb://***@db/app')
  })

  it('copies a frozen error rather than leaving the secret', () => {
    const error = Object.freeze(new TypeError('token=abc'))
    const redacted = redactError(error)
    expect(redacted).not.toBe(error)
    expect(redacted.name).toBe('TypeError')
    expect(redacted.message).toBe('token=***')
    expect(redacted.stack).not.toContain('abc')
  })
})
