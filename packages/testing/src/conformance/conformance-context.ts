import type { Backend } from '@durabl/core'
import { afterEach, beforeEach } from 'vitest'
import type { ConformanceOptions, ConformanceTarget } from './conformance-target.js'

/** The target of the running test, created fresh before it and torn down after it. */
export interface ConformanceContext {
  readonly target: ConformanceTarget
  readonly backend: Backend
}

/** Registers the per-test setup and teardown in the enclosing `describe`. */
export function createConformanceContext(options: ConformanceOptions): ConformanceContext {
  let current: ConformanceTarget | undefined

  beforeEach(async () => {
    current = await options.createBackend()
    await current.backend.startup()
  })

  afterEach(async () => {
    const target = current
    current = undefined
    if (target === undefined) return
    try {
      await target.backend.shutdown()
    } finally {
      await target.cleanup?.()
    }
  })

  const requireTarget = (): ConformanceTarget => {
    if (current === undefined) throw new Error('the conformance target is only available inside a test')
    return current
  }
  return {
    get target() {
      return requireTarget()
    },
    get backend() {
      return requireTarget().backend
    },
  }
}
