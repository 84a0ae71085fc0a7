#!/usr/bin/env node
// The "from tarballs" test: packs the publishable packages as they would be published, installs
// them with npm in a fresh project next to the root README's dependency lines, and runs the README's
// quick start and its metrics snippet as real ESM programs, `durabl stats` from the CLI tarball, and
// the built example app, against the in-process MongoDB server from the @durabl/mongo-server tarball.
// Needs only the npm registry. Ends with one line: `tarballs: N passed, M failed`.
//
//   node scripts/tarball-test.mjs [--keep]     # --keep leaves the temporary projects for a look
import { spawn } from 'node:child_process'
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { runExampleFromTarballs } from './tarball-test/example-app.mjs'
import { createChecks, lastJsonLine, log, npmInstall, parseJson, run, tail } from './tarball-test/helpers.mjs'
import { readmeSnippet, spliceSnippet } from './tarball-test/readme-snippets.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const fixtures = join(root, 'scripts', 'tarball-test')
/** The publishable packages, in packages/. */
const PACKAGES = ['core', 'mongo', 'metrics', 'testing', 'mongo-server', 'cli']
/** What the root README has a user install from the registry (quick start, then metrics). */
const README_DEPENDENCIES = ['mongodb', 'prom-client', '@opentelemetry/api']
/** The README's programs: fixture file → the README section whose ```ts block it runs. */
const PROGRAMS = { 'quick-start.ts': 'Quick start', 'metrics-snippet.ts': 'Metrics, traces and operations' }
const PROGRAM_TIMEOUT_MS = 60_000
const EXIT_AFTER_SIGTERM_MS = 10_000

const { check, results } = createChecks()

async function packPackages(work) {
  const build = await run('pnpm', ['build'], { cwd: root })
  if (!check('pnpm build', build.code === 0, tail(build))) return null
  const destination = join(work, 'tarballs')
  mkdirSync(destination)
  const packs = await Promise.all(
    PACKAGES.map((name) =>
      run('pnpm', ['pack', '--pack-destination', destination], { cwd: join(root, 'packages', name) }),
    ),
  )
  const failedPack = packs.find((pack) => pack.code !== 0)
  if (failedPack) return check('pnpm pack', false, tail(failedPack)) && null
  const tarballs = readdirSync(destination).map((file) => join(destination, file))
  const leftovers = []
  let testingDependencies = []
  for (const tarball of tarballs) {
    const manifest = await run('tar', ['-xzOf', tarball, 'package/package.json'])
    if (manifest.stdout.includes('workspace:')) leftovers.push(tarball)
    const { name, dependencies = {} } = JSON.parse(manifest.stdout)
    if (name === '@durabl/testing') testingDependencies = Object.keys(dependencies)
  }
  // The test backends are for every user's tests: the MongoDB server's bson and mingo stay out.
  check(
    '@durabl/testing installs without bson or mingo',
    !testingDependencies.includes('bson') && !testingDependencies.includes('mingo'),
    `its dependencies: ${testingDependencies.join(', ')}`,
  )
  const ok = check(
    `pnpm pack of ${PACKAGES.length} packages, no workspace: ranges left`,
    tarballs.length === PACKAGES.length && leftovers.length === 0,
    `${tarballs.length} tarballs; workspace: in ${leftovers.join(', ') || 'none'}`,
  )
  return ok ? tarballs : null
}

/** Writes the README's programs (snippets spliced into their fixtures), type-checks and transpiles them. */
async function writePrograms(app) {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const programs = {}
  for (const [file, heading] of Object.entries(PROGRAMS)) {
    const fixture = readFileSync(join(fixtures, file), 'utf8')
    const source = spliceSnippet(fixture, heading, readmeSnippet(readme, heading))
    writeFileSync(join(app, file), source)
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    })
    programs[file] = join(app, file.replace(/\.ts$/, '.mjs'))
    writeFileSync(programs[file], outputText)
  }
  copyFileSync(join(fixtures, 'start-mongo-server.mjs'), join(app, 'start-mongo-server.mjs'))
  const compilerOptions = {
    module: 'NodeNext',
    target: 'ES2022',
    lib: ['ES2023'],
    strict: true,
    noEmit: true,
    types: ['node'],
    typeRoots: [join(root, 'node_modules', '@types')],
  }
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: Object.keys(PROGRAMS) }))
  const tsc = await run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app])
  check("the README's snippets type-check against the tarballs' types", tsc.code === 0, tail(tsc))
  return programs
}

/** Starts the in-process server from the mongo-server tarball; it stops when its stdin closes. */
async function startMongo(app) {
  const server = spawn(process.execPath, ['start-mongo-server.mjs'], {
    cwd: app,
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  let output = ''
  const uri = await new Promise((resolve) => {
    server.stdout.on('data', (chunk) => {
      output += chunk
      const started = lastJsonLine(output)
      if (started?.uri) resolve(started.uri)
    })
    server.on('exit', () => resolve(null))
  })
  check('the in-process MongoDB server from the @durabl/mongo-server tarball starts', uri !== null, output)
  const stop = () =>
    new Promise((resolve) => {
      server.once('exit', resolve)
      server.stdin.end()
    })
  return { uri, stop }
}

async function runQuickStart(app, program, uri) {
  let signalledAt = 0
  let killTimer
  const result = await run(process.execPath, [program], {
    cwd: app,
    env: { MONGO_URL: uri },
    timeoutMs: PROGRAM_TIMEOUT_MS,
    onStdout: (stdout, child) => {
      if (signalledAt || !lastJsonLine(stdout)?.completed) return
      // The program has sent itself SIGTERM: the README's handler gets a bounded time to let go.
      signalledAt = Date.now()
      killTimer = setTimeout(() => child.kill('SIGKILL'), EXIT_AFTER_SIGTERM_MS)
    },
  })
  clearTimeout(killTimer)
  const report = lastJsonLine(result.stdout)
  check(
    "the README's quick start runs its job (welcome-email for u_123 completed)",
    report?.welcomed?.[0] === 'u_123',
    tail(result),
  )
  check(
    "the README's quick start exits by itself after its SIGTERM handler ran",
    signalledAt > 0 && result.code === 0,
    signalledAt > 0
      ? `still running ${EXIT_AFTER_SIGTERM_MS} ms after SIGTERM: something (the MongoClient?) stays open`
      : tail(result),
  )
}

async function runMetricsSnippet(app, program, uri) {
  const result = await run(process.execPath, [program], {
    cwd: app,
    env: { MONGO_URL: uri },
    timeoutMs: PROGRAM_TIMEOUT_MS,
  })
  const report = lastJsonLine(result.stdout)
  const completed = 'durabl_jobs_completed_total{queue="emails",type="send-email"} 1'
  check(
    `the README's metrics snippet serves durabl_ metrics at /metrics (${completed})`,
    result.code === 0 && report?.status === 200 && report.metrics.includes(completed),
    report ? `status ${report.status}:\n${report.metrics}` : tail(result),
  )
}

async function runCliStats(app, uri) {
  // The README's line as written: no --db, so the CLI's default database (durabl, as in the quick start)
  const args = ['--no-install', 'durabl', 'stats', '--uri', uri, '--json']
  const result = await run('npx', args, { cwd: app, timeoutMs: PROGRAM_TIMEOUT_MS })
  const welcome = parseJson(result.stdout)?.types?.find((entry) => entry.type === 'welcome-email')
  check(
    "npx durabl stats (the CLI tarball) counts the quick start's completed job",
    result.code === 0 && welcome?.completed === 1,
    tail(result),
  )
}

async function main() {
  const startedAt = Date.now()
  const keep = process.argv.includes('--keep')
  const work = mkdtempSync(join(tmpdir(), 'durabl-tarballs-'))
  const app = join(work, 'app')
  mkdirSync(app)
  log(`working in ${work}`)
  try {
    const tarballs = await packPackages(work)
    if (!tarballs) return
    writeFileSync(
      join(app, 'package.json'),
      `${JSON.stringify({ name: 'app', private: true, type: 'module' })}\n`,
    )
    const what = `the tarballs with ${README_DEPENDENCIES.join(', ')}`
    if (!(await npmInstall(check, what, app, [...tarballs, ...README_DEPENDENCIES]))) return
    const programs = await writePrograms(app)
    const mongo = await startMongo(app)
    if (!mongo.uri) return
    try {
      await runQuickStart(app, programs['quick-start.ts'], mongo.uri)
      await runMetricsSnippet(app, programs['metrics-snippet.ts'], mongo.uri)
      await runCliStats(app, mongo.uri)
      await runExampleFromTarballs({ check, root, work, tarballs, uri: mongo.uri })
    } finally {
      await mongo.stop()
    }
  } catch (error) {
    check('the tarball test itself', false, error.stack)
  } finally {
    const failed = results.filter((result) => !result.ok).length
    if (keep || failed > 0) log(`left ${work} for a look`)
    else rmSync(work, { recursive: true, force: true })
    log(`wall time ${((Date.now() - startedAt) / 1000).toFixed(1)} s`)
    console.log(`tarballs: ${results.length - failed} passed, ${failed} failed`)
    process.exitCode = failed > 0 || results.length === 0 ? 1 : 0
  }
}

await main()
