import type { Backend } from '@durabl/core'

/**
 * The same backend (same storage, same calls) as a queue sees it when push is not available:
 * `capabilities.push` is false and there is no `subscribe()`. A JobQueue over it polls, and hears of
 * a cancel at its next heartbeat, as one on a MongoDB without change streams would. Use it to test
 * the polling paths of code that normally runs with push.
 */
export function withoutPush<T extends Backend>(backend: T): T {
  return new Proxy(backend, {
    get(target, property) {
      if (property === 'capabilities') return { ...target.capabilities, push: false }
      if (property === 'subscribe') return undefined
      const value = Reflect.get(target, property, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}
