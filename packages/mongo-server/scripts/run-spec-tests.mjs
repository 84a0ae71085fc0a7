#!/usr/bin/env node
// Runs MongoDB's unified-format specification tests for CRUD, transactions and change streams
// against the in-process server (or MONGO_URL) and reports how many pass. A maintenance report,
// not a CI check: it always exits 0 unless it cannot start.
//
//   node packages/mongo-server/scripts/run-spec-tests.mjs <specifications dir> [--verbose]
//       [--suite crud|transactions|change-streams] [--file <substring>]
//
// The specifications are not in this repository. Bring a copy of the public
// github.com/mongodb/specifications repository (a clone, or `git archive` of
// source/{crud,transactions,change-streams}/tests/unified) and pass its directory (the root, or
// its `source` directory) as the argument or as SPEC_DIR. Needs `pnpm build` first (it starts the
// built @durabl/mongo-server). With MONGO_URL set it runs against that deployment instead, e.g. a
// real replica set, to check the runner itself: mongod should pass nearly every in-scope test.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { startMongoServer } from '@durabl/mongo-server'
import { BSON, Double, Int32, MongoClient } from 'mongodb'
import { OPERATIONS } from './spec/operations.mjs'
import { runTest } from './spec/run-test.mjs'
import { driverSkipReason, OUT_OF_SCOPE, requirementsSkipReason, scopeSkipReason } from './spec/scope.mjs'

const { EJSON } = BSON
const SUITES = ['crud', 'transactions', 'change-streams']

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    verbose: { type: 'boolean', default: false },
    suite: { type: 'string', multiple: true },
    file: { type: 'string' },
    'show-skipped': { type: 'boolean', default: false },
  },
})
const specArgument = positionals[0] ?? process.env.SPEC_DIR
if (!specArgument) {
  console.error('usage: run-spec-tests.mjs <mongodb/specifications checkout> [--verbose] (or SPEC_DIR=…)')
  console.error(
    'Bring a copy of github.com/mongodb/specifications first; see packages/mongo-server/README.md.',
  )
  process.exit(2)
}
const specRoot = existsSync(join(resolve(specArgument), 'source'))
  ? join(resolve(specArgument), 'source')
  : resolve(specArgument)
const suites = args.suite ?? SUITES
for (const suite of suites) {
  if (!SUITES.includes(suite)) {
    console.error(`--suite must be one of ${SUITES.join(', ')}, got ${suite}`)
    process.exit(2)
  }
  if (!existsSync(join(specRoot, suite, 'tests', 'unified'))) {
    console.error(`no ${suite}/tests/unified under ${specRoot}: is it a mongodb/specifications checkout?`)
    process.exit(2)
  }
}

/** Extended JSON as the format means it: Int64 stays Int64; int32 and double become JS numbers. */
function readSpecFile(path) {
  const normalize = (value) => {
    if (value instanceof Int32 || value instanceof Double) return value.valueOf()
    if (Array.isArray(value)) return value.map(normalize)
    if (
      value &&
      typeof value === 'object' &&
      value._bsontype === undefined &&
      !(value instanceof Date) &&
      !(value instanceof RegExp)
    ) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]))
    }
    return value
  }
  return normalize(EJSON.parse(readFileSync(path, 'utf8'), { relaxed: false }))
}

/** Operation names a test uses (withTransaction callbacks included) that the runner lacks. */
function unsupportedOperations(operations = []) {
  const missing = new Set()
  for (const operation of operations) {
    if (!(operation.name in OPERATIONS)) missing.add(operation.name)
    for (const name of unsupportedOperations(operation.arguments?.callback)) missing.add(name)
  }
  return missing
}

const server = process.env.MONGO_URL ? undefined : await startMongoServer()
const uri = process.env.MONGO_URL ?? server.uri
const internal = await new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 }).connect()
const admin = internal.db('admin')
const hello = await admin.command({ hello: 1 })
const serverInfo = {
  version: (await admin.command({ buildInfo: 1 })).version,
  topology: hello.setName ? 'replicaset' : hello.msg === 'isdbgrid' ? 'sharded' : 'single',
  serverParameters: async (names) =>
    admin
      .command({ getParameter: 1, ...Object.fromEntries(names.map((n) => [n, 1])) })
      .catch(() => undefined),
}
console.log(
  `target: ${server ? 'in-process server' : 'MONGO_URL'}, MongoDB ${serverInfo.version}, ${serverInfo.topology}`,
)

const totals = { passed: 0, failed: 0, skipped: 0 }
const skipReasons = new Map()
const failures = []
const skip = (reason, count = 1) => skipReasons.set(reason, (skipReasons.get(reason) ?? 0) + count)

for (const suite of suites) {
  const directory = join(specRoot, suite, 'tests', 'unified')
  const files = readdirSync(directory)
    .filter((f) => f.endsWith('.json') && (!args.file || f.includes(args.file)))
    .sort()
  for (const fileName of files) {
    const label = `${suite}/${fileName}`
    const file = readSpecFile(join(directory, fileName))
    const counts = { passed: 0, failed: 0, skipped: 0 }
    const fileSkip = !String(file.schemaVersion).startsWith('1.')
      ? `runner: schemaVersion ${file.schemaVersion}`
      : await requirementsSkipReason(file.runOnRequirements, serverInfo)
    for (const test of file.tests) {
      const missing = unsupportedOperations(test.operations)
      const scope = scopeSkipReason({
        test,
        createEntities: file.createEntities,
        initialData: file.initialData,
      })
      const testSkip =
        fileSkip ??
        (test.skipReason ? `spec: ${test.skipReason}` : undefined) ??
        (await requirementsSkipReason(test.runOnRequirements, serverInfo)) ??
        scope?.reason ??
        driverSkipReason(fileName, test) ??
        (missing.size > 0 ? `runner: unsupported operation ${[...missing].join(', ')}` : undefined)
      if (testSkip) {
        counts.skipped++
        if (args['show-skipped']) console.log(`  SKIP ${label} › ${test.description}: ${testSkip}`)
        skip(testSkip.replace(/ \(server is .*\)$/, ''))
        continue
      }
      const failure = await runTest(file, test, { uri, internal })
      if (failure) {
        counts.failed++
        failures.push({ label, test: test.description, failure })
        if (args.verbose) console.log(`  FAIL ${label} › ${test.description}\n       ${failure}`)
      } else counts.passed++
    }
    for (const key of Object.keys(totals)) totals[key] += counts[key]
    console.log(
      `${label.padEnd(62)} passed ${String(counts.passed).padStart(3)}  failed ${String(counts.failed).padStart(3)}  skipped ${String(counts.skipped).padStart(3)}`,
    )
  }
}

console.log('\nskipped, by reason:')
for (const [reason, count] of [...skipReasons].sort((a, b) => b[1] - a[1]))
  console.log(`  ${String(count).padStart(4)}  ${reason}`)
const inScope = totals.passed + totals.failed
const rate = inScope === 0 ? 0 : (100 * totals.passed) / inScope
console.log(`\ntotal: passed ${totals.passed}, failed ${totals.failed}, skipped ${totals.skipped}`)
console.log(`in-scope pass rate: ${rate.toFixed(1)}% (${totals.passed}/${inScope})`)
console.log(`out-of-scope features: ${OUT_OF_SCOPE.length} declared in scripts/spec/scope.mjs`)

await internal.close()
await server?.stop()
