export { DummyBackend, type DummyBackendCall } from './dummy-backend.js'
export { ImmediateBackend, type ImmediateBackendOptions } from './immediate-backend.js'
export { MemoryBackend } from './memory-backend/memory-backend.js'
export {
  MEMORY_BACKEND_DEFAULTS,
  type MemoryBackendOptions,
  type ResolvedMemoryBackendOptions,
} from './memory-backend/memory-backend-options.js'
export { MemorySession } from './memory-backend/memory-session.js'
export { TestClock } from './test-clock.js'
export { withoutPush } from './without-push.js'
