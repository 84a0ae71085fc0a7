import packageJson from '../package.json' with { type: 'json' }

/** The version of `@durabl/core` (from its package.json at build time), as the worker registry reports it. */
export const DURABL_VERSION: string = packageJson.version
