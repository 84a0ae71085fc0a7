import { defineConfig } from 'tsup'

export default defineConfig({
  // One entry per audience: `/prometheus` needs only prom-client, `/tracing` only
  // @opentelemetry/api, and the root re-exports both.
  entry: {
    index: 'src/index.ts',
    prometheus: 'src/prometheus/index.ts',
    tracing: 'src/tracing/index.ts',
  },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // Peers: never bundled, always the copy the application installed.
  external: ['prom-client', '@opentelemetry/api', '@durabl/core'],
})
