// Small helpers of the tarball test: running commands, reading their JSON, recording checks.
import { spawn } from 'node:child_process'

export const log = (line) => console.log(`tarballs: ${line}`)

/** The checks of one run; each prints one line, a failed one with the detail that says why. */
export function createChecks() {
  const results = []
  let lastAt = Date.now()
  return {
    results,
    check(name, ok, detail = '') {
      const seconds = ((Date.now() - lastAt) / 1000).toFixed(1)
      lastAt = Date.now()
      results.push({ name, ok })
      log(`${ok ? 'ok  ' : 'FAIL'} ${name} (${seconds} s)${!ok && detail ? `: ${detail}` : ''}`)
      return ok
    },
  }
}

/**
 * Runs a command to its end; resolves with its exit code and output (never rejects). A command still
 * running after `timeoutMs` is killed and reported with `timedOut`. `onStdout` sees the output so far.
 */
export function run(command, args, { cwd, env, timeoutMs = 300_000, onStdout } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout.on('data', (chunk) => {
      stdout += chunk
      onStdout?.(stdout, child)
    })
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    child.on('error', (error) => {
      stderr += error.message
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, timedOut })
    })
  })
}

/** The last line of `text` that parses as a JSON object, or null. */
export function lastJsonLine(text) {
  for (const line of text.trim().split('\n').reverse()) {
    const value = parseJson(line)
    if (value && typeof value === 'object') return value
  }
  return null
}

export function parseJson(text) {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

/** The output worth showing when a step failed: its exit and last lines. */
export function tail(result) {
  const text = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-15).join('\n    ')
  return `exit ${result.timedOut ? 'timed out' : result.code}\n    ${text}`
}

/** npm output lines that mean a set does not install cleanly. */
const INSTALL_PROBLEM = /ERESOLVE|peer dep|unmet peer|EBADENGINE|invalid|conflict/i

/** `npm install` in `cwd`, then `npm ls --all`; two checks: no peer/engine warnings, a valid tree. */
export async function npmInstall(check, what, cwd, args) {
  const install = await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=warn', ...args], {
    cwd,
  })
  const problems = `${install.stdout}\n${install.stderr}`
    .split('\n')
    .filter((line) => INSTALL_PROBLEM.test(line))
  check(
    `npm install of ${what}: no ERESOLVE, peer or engine warnings`,
    install.code === 0 && problems.length === 0,
    install.code !== 0 ? tail(install) : problems.slice(0, 10).join('\n    '),
  )
  const tree = await run('npm', ['ls', '--all'], { cwd })
  check(`npm ls --all of ${what}: a valid tree`, tree.code === 0, tail(tree))
  return install.code === 0
}
