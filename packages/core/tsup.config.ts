import { defineConfig } from 'tsup'

export default defineConfig({
  // The thread entry is the first module of every worker thread: it must sit beside index.js,
  // where the runtime looks for it (`new URL('./thread-entry.js', import.meta.url)`).
  entry: { index: 'src/index.ts', 'thread-entry': 'src/runtime/thread/thread-entry.js' },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
})
