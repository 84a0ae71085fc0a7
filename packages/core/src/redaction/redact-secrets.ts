/** What a secret is replaced with. */
export const REDACTED = '***'

/**
 * Parameter names whose value is a secret, matched case-insensitively in `name=value` form: URL
 * query parameters (`?token=…&sig=…`) and key-value connection strings (`host=db password=…`,
 * `Server=db;Password=…`). The name must not follow a letter, digit, `_`, `-` or `.` (so
 * `my_token=` is left alone), and the value runs to the next `&`, `;`, whitespace, quote or `#`.
 */
export const SECRET_PARAMETER_NAMES = [
  'password',
  'passwd',
  'pwd',
  'secret',
  'client_secret',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'auth_token',
  'api_key',
  'apikey',
  'api-key',
  'key',
  'sig',
  'signature',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
  'x-goog-signature',
  'x-goog-credential',
  'authMechanismProperties',
  'tlsCertificateKeyFilePassword',
] as const

/**
 * The userinfo of any `scheme://userinfo@host` URL (`mongodb://admin:hunter2@db`,
 * `https://token@github.com`, `redis://:pass@cache`): everything between `://` and the last `@`
 * before the host, up to whitespace, `/`, `?`, `#` or a quote. Replaced whole, user name included.
 */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#"'`<>]+@/gi

const SECRET_PARAMETER = new RegExp(
  `(?<![\\w.-])(${SECRET_PARAMETER_NAMES.map(escapeRegExp).join('|')})=[^&;\\s"'\`#]*`,
  'gi',
)

/**
 * Removes credentials from one piece of text before it is stored or emitted: URL userinfo, the
 * values of {@link SECRET_PARAMETER_NAMES}, then every match of `extraPatterns` (each must have the
 * `g` flag, as `resolveRedactOptions` ensures). Empty matches are left alone.
 */
export function redactSecrets(text: string, extraPatterns: readonly RegExp[] = []): string {
  let redacted = text
    .replace(URL_USERINFO, `$1${REDACTED}@`)
    .replace(SECRET_PARAMETER, (_match, name: string) => `${name}=${REDACTED}`)
  for (const pattern of extraPatterns) {
    redacted = redacted.replace(pattern, (match) => (match === '' ? match : REDACTED))
  }
  return redacted
}

/**
 * Redacts an error's `message` and `stack` in place, so the stored record, the `job:failed` event,
 * hooks and a backoff function all see the same redacted error and its class is kept (an
 * `UnrecoverableError` stays one). An error whose fields cannot be written (frozen) is replaced by
 * a plain Error with the same name and the redacted message and stack.
 */
export function redactError(error: Error, extraPatterns: readonly RegExp[] = []): Error {
  const message = redactSecrets(String(error.message), extraPatterns)
  const stack = typeof error.stack === 'string' ? redactSecrets(error.stack, extraPatterns) : error.stack
  if (message === error.message && stack === error.stack) return error
  try {
    error.message = message
    error.stack = stack
  } catch {
    // Frozen or with read-only fields: fall through to a copy.
  }
  if (error.message === message && error.stack === stack) return error
  const copy = new Error(message)
  copy.name = error.name
  copy.stack = stack
  return copy
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')
}
