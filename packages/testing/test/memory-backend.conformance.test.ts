import { runBackendConformance } from '../src/conformance.js'
import { createMemoryTarget } from './fixtures/memory-target.js'

runBackendConformance({ name: 'MemoryBackend', createBackend: createMemoryTarget })
