import { describe, expect, it } from 'vitest'
import { createBearerCheck, requireBearerToken } from './bearer-token.js'

const TOKEN = 'Zm9vYmFyLXNlY3JldC10b2tlbg=='

describe('createBearerCheck', () => {
  const check = createBearerCheck(TOKEN)

  it('accepts exactly the token, with a case-insensitive scheme', () => {
    expect(check(`Bearer ${TOKEN}`)).toBe(true)
    expect(check(`bearer ${TOKEN}`)).toBe(true)
    expect(check(`Bearer  ${TOKEN} `)).toBe(true)
  })

  it('rejects anything else', () => {
    expect(check(undefined)).toBe(false)
    expect(check('')).toBe(false)
    expect(check('Bearer')).toBe(false)
    expect(check('Bearer ')).toBe(false)
    expect(check(TOKEN)).toBe(false)
    expect(check(`Basic ${TOKEN}`)).toBe(false)
    expect(check(`Bearer ${TOKEN.slice(0, -1)}`)).toBe(false)
    expect(check(`Bearer ${TOKEN}a`)).toBe(false)
    expect(check(`Bearer ${TOKEN} extra`)).toBe(false)
  })

  it('never accepts an empty token, even if one were configured', () => {
    expect(createBearerCheck('')('Bearer ')).toBe(false)
  })
})

describe('requireBearerToken', () => {
  it('accepts visible ASCII of at least 16 characters', () => {
    expect(requireBearerToken('token', TOKEN)).toBe(TOKEN)
  })

  it('refuses short, spaced or non-string tokens without echoing them', () => {
    for (const bad of ['short', 'sixteen chars!!!', 'x'.repeat(15), `${'x'.repeat(20)}\n`]) {
      let message = ''
      try {
        requireBearerToken('token', bad)
      } catch (error) {
        message = (error as Error).message
      }
      expect(message).toContain('token must be at least 16 visible ASCII characters')
      expect(message).not.toContain(bad)
    }
    expect(() => requireBearerToken('token', 42)).toThrow('token must be a string')
  })
})
