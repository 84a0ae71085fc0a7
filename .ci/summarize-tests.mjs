// Reads a CI log and prints one line summing vitest's per-package test counts:
// "tests: N passed, N failed, N skipped". Turbo prefixes lines with the package name.
import { readFileSync } from 'node:fs'

const log = readFileSync(process.argv[2], 'utf8').replace(/\x1b\[[0-9;]*m/g, '')
const totals = { passed: 0, failed: 0, skipped: 0, todo: 0 }
const targets = new Set()
for (const line of log.split('\n')) {
  const tests = line.match(/Tests\s+(.*)\(\d+\)\s*$/)
  if (tests) {
    for (const part of tests[1].split('|')) {
      const match = part.trim().match(/^(\d+)\s+(passed|failed|skipped|todo)/)
      if (match) totals[match[2]] += Number(match[1])
    }
  }
  const target = line.match(/\[durabl mongo harness\] MongoDB target: (.*)$/)
  if (target) targets.add(target[1].trim())
}
for (const target of targets) console.log(`ci: MongoDB tests ran against ${target}`)
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped + totals.todo} skipped`)
