import { defineConfig } from 'tsup'

// Two entries: the harness (parent) and the worker it forks for every multi-process scenario.
export default defineConfig({
  entry: ['src/run.ts', 'src/worker.ts'],
  format: ['esm'],
  dts: false,
  sourcemap: true,
  clean: true,
  target: 'node20',
})
