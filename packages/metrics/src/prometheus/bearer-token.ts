import { createHash, timingSafeEqual } from 'node:crypto'
import { ValidationError } from '@durabl/core'

/** Tokens shorter than this are refused: a metrics endpoint token should not be guessable. */
export const MIN_BEARER_TOKEN_LENGTH = 16

/** Visible ASCII without spaces: what fits in an `Authorization: Bearer …` header unchanged. */
const TOKEN_PATTERN = /^[\x21-\x7e]+$/

const BEARER_HEADER = /^Bearer[ \t]+(\S+)[ \t]*$/i

/** Checks a bearer token option without ever putting the token into an error message. */
export function requireBearerToken(field: string, value: unknown): string {
  if (typeof value !== 'string') throw new ValidationError(field, 'must be a string', value)
  if (value.length < MIN_BEARER_TOKEN_LENGTH || !TOKEN_PATTERN.test(value)) {
    throw new ValidationError(
      field,
      `must be at least ${MIN_BEARER_TOKEN_LENGTH} visible ASCII characters without spaces`,
      `[redacted string of ${value.length} characters]`,
    )
  }
  return value
}

/**
 * Returns a check of `Authorization` headers against `token`. Both sides are hashed first, so
 * the comparison takes the same time whatever the presented token's length and content: neither
 * the token nor its length leaks through timing.
 */
export function createBearerCheck(token: string): (authorization: string | undefined) => boolean {
  const expected = digest(token)
  return (authorization) => {
    const presented = authorization === undefined ? null : BEARER_HEADER.exec(authorization)?.[1]
    // Compare even when the header is missing or malformed, so every rejection costs the same.
    const matches = timingSafeEqual(expected, digest(presented ?? ''))
    return matches && presented !== null && presented !== undefined
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest()
}
