import { parseArgs } from 'node:util'

export type Role = 'producer' | 'worker' | 'all'

export interface ExampleOptions {
  /** `producer` serves sign-ups and enqueues; `worker` runs jobs; `all` does both. */
  role: Role
  /** HTTP port; 0 picks a free one. */
  port: number
  /** Bind address; loopback unless told otherwise. */
  host: string
  /** Sign-ups the app sends itself once it is up, to show the whole flow. */
  demoSignups: number
  /** How long SIGTERM waits for running jobs before releasing them. */
  shutdownTimeoutMs: number
}

const ROLES: readonly Role[] = ['producer', 'worker', 'all']

/** Parses argv and the environment once; every bad value is named in the error. */
export function parseExampleOptions(argv: string[], env: NodeJS.ProcessEnv): ExampleOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      role: { type: 'string', default: env.ROLE ?? 'all' },
      port: { type: 'string', default: env.PORT ?? '3000' },
      host: { type: 'string', default: env.HOST ?? '127.0.0.1' },
      'demo-signups': { type: 'string', default: '0' },
      'shutdown-timeout-ms': { type: 'string', default: '10000' },
    },
    strict: true,
  })
  const role = values.role as Role
  if (!ROLES.includes(role)) {
    throw new Error(`--role must be one of ${ROLES.join(', ')}, got ${JSON.stringify(values.role)}`)
  }
  return {
    role,
    port: parseInteger('--port', values.port, 0, 65_535),
    host: values.host,
    demoSignups: parseInteger('--demo-signups', values['demo-signups'], 0, 1_000),
    shutdownTimeoutMs: parseInteger('--shutdown-timeout-ms', values['shutdown-timeout-ms'], 0, 3_600_000),
  }
}

function parseInteger(field: string, raw: string, min: number, max: number): number {
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${field} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`)
  }
  return value
}
