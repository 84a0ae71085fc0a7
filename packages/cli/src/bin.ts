#!/usr/bin/env node
import { main } from './program.js'

main(process.argv).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    // main reports every error itself; this only guards against a bug in that reporting.
    process.stderr.write(
      `durabl: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`,
    )
    process.exitCode = 1
  },
)
