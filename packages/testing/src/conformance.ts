export type {
  ConformanceOptions,
  ConformanceTarget,
  ConformanceTransactions,
} from './conformance/conformance-target.js'
export { runBackendConformance } from './conformance/run-backend-conformance.js'
