// Reads a CI log and prints one line summing vitest's per-package test counts:
// "tests: N passed, N failed, N skipped". Turbo prefixes lines with the package name.
import { readFileSync } from 'node:fs'

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips the colour codes of the log
const log = readFileSync(process.argv[2], 'utf8').replace(/\x1b\[[0-9;]*m/g, '')
const totals = { passed: 0, failed: 0, skipped: 0, todo: 0 }
/** Test files per MongoDB target kind, as the harness printed them (`in-process mongodb://…`). */
const targets = new Map()
for (const line of log.split('\n')) {
  const tests = line.match(/Tests\s+(.*)\(\d+\)\s*$/)
  if (tests) {
    for (const part of tests[1].split('|')) {
      const match = part.trim().match(/^(\d+)\s+(passed|failed|skipped|todo)/)
      if (match) totals[match[2]] += Number(match[1])
    }
  }
  const target = line.match(/\[durabl mongo harness\] MongoDB target: (.*)$/)
  if (target) {
    const [kind, uri = ''] = target[1].trim().split(/\s+/)
    const key = `${kind} (${uri.replace(/:\d+\//, ':<port>/')})`
    targets.set(key, (targets.get(key) ?? 0) + 1)
  }
}
for (const [target, files] of targets)
  console.log(`ci: MongoDB tests ran against ${target} in ${files} test file(s)`)
console.log(
  `tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped + totals.todo} skipped`,
)
