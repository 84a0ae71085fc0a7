// The moving parts the maintenance scripts share: the example app, a throwaway Prometheus that
// scrapes it, a load driver, and small Prometheus HTTP API helpers. Plain Node, no dependencies.
import { spawn } from 'node:child_process'
import { accessSync, constants, existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const REPO_ROOT = resolve(PACKAGE_DIR, '..', '..')
export const DASHBOARD_PATH = join(PACKAGE_DIR, 'grafana', 'durabl-dashboard.json')
export const RULES_PATH = join(PACKAGE_DIR, 'prometheus', 'durabl-alerts.yml')
export const PREVIEW_PATH = join(PACKAGE_DIR, 'grafana', 'dashboard-preview.png')
export const EXAMPLE_MAIN = join(REPO_ROOT, 'apps', 'example', 'dist', 'main.js')
export const SCRAPE_JOB = 'durabl-example'

const sleep = (ms) => new Promise((done) => setTimeout(done, ms))

/** The absolute path of the first executable called one of `names` on PATH, or null. */
export function findExecutable(...names) {
  for (const name of names) {
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      if (!dir) continue
      const candidate = join(dir, name)
      try {
        accessSync(candidate, constants.X_OK)
        return candidate
      } catch {}
    }
  }
  return null
}

/** Runs a command to completion; resolves with its exit code and output (never rejects on exit code). */
export function run(command, args, options = {}) {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options })
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
    })
    child.stderr.on('data', (chunk) => {
      output += chunk
    })
    child.on('error', fail)
    child.on('close', (code, signal) => done({ code: code ?? (signal ? 128 : 1), output }))
  })
}

/** A free TCP port on 127.0.0.1 (free when asked; the caller binds it right after). */
export function freePort() {
  return new Promise((done, fail) => {
    const server = createServer()
    server.unref()
    server.on('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => done(port))
    })
  })
}

/** A child process whose output is kept (the last lines) for error messages and line waits. */
class Child {
  #lines = []
  #waiters = []
  #exit

  constructor(name, command, args, options) {
    this.name = name
    this.process = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options })
    this.exited = new Promise((done) => {
      this.process.on('close', (code, signal) => {
        this.#exit = { code, signal }
        for (const waiter of this.#waiters) waiter.fail(new Error(`${name} exited (${code ?? signal})`))
        this.#waiters = []
        done(this.#exit)
      })
    })
    this.process.on('error', (error) => {
      for (const waiter of this.#waiters) waiter.fail(error)
      this.#waiters = []
    })
    for (const stream of [this.process.stdout, this.process.stderr]) {
      let partial = ''
      stream.setEncoding('utf8')
      stream.on('data', (chunk) => {
        const parts = (partial + chunk).split('\n')
        partial = parts.pop()
        for (const line of parts) this.#onLine(line)
      })
    }
  }

  #onLine(line) {
    this.#lines.push(line)
    if (this.#lines.length > 40) this.#lines.shift()
    for (const waiter of [...this.#waiters]) {
      const match = waiter.pattern.exec(line)
      if (match) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1)
        waiter.done(match)
      }
    }
  }

  /** Resolves with the first output line matching `pattern`. */
  waitForLine(pattern, timeoutMs) {
    if (this.#exit)
      return Promise.reject(new Error(`${this.name} exited (${this.#exit.code ?? this.#exit.signal})`))
    return new Promise((done, fail) => {
      const waiter = { pattern, done, fail }
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1)
        fail(new Error(`${this.name} printed no line matching ${pattern} within ${timeoutMs} ms`))
      }, timeoutMs)
      waiter.done = (value) => {
        clearTimeout(timer)
        done(value)
      }
      waiter.fail = (error) => {
        clearTimeout(timer)
        fail(error)
      }
      this.#waiters.push(waiter)
    })
  }

  get running() {
    return this.#exit === undefined
  }

  tail() {
    return this.#lines.map((line) => `    | ${line}`).join('\n')
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 15_000) {
    if (!this.running) return this.#exit
    this.process.kill('SIGTERM')
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs)
    const exit = await this.exited
    clearTimeout(timer)
    return exit
  }
}

async function waitFor(what, timeoutMs, check) {
  const deadline = Date.now() + timeoutMs
  let last
  while (Date.now() < deadline) {
    try {
      if (await check()) return
    } catch (error) {
      last = error
    }
    await sleep(250)
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`)
}

/**
 * Starts the built example app (in-process MongoDB, queue label `example`) and a Prometheus with
 * a throwaway config and storage that scrapes its /metrics every `scrapeIntervalSeconds` and
 * evaluates `rulesFile`. `stop()` stops both and removes the temp directory.
 */
export async function startStack({
  prometheusPath,
  scrapeIntervalSeconds = 1,
  rulesFile = RULES_PATH,
  log = () => {},
}) {
  if (!existsSync(EXAMPLE_MAIN)) {
    throw new Error(`${EXAMPLE_MAIN} is missing: run \`pnpm build\` at the repository root first`)
  }
  const tmp = await mkdtemp(join(tmpdir(), 'durabl-observability-'))
  const children = []
  const stop = async () => {
    for (const child of children.reverse()) await child.stop()
    children.length = 0
    await rm(tmp, { recursive: true, force: true })
  }
  try {
    const env = { ...process.env }
    delete env.OTEL_EXPORTER_OTLP_ENDPOINT // spans go to the app's stdout, which we drain
    delete env.MONGO_URL // always the in-process server: nothing is kept
    const app = new Child('example app', process.execPath, [EXAMPLE_MAIN, '--port', '0'], {
      cwd: REPO_ROOT,
      env,
    })
    children.push(app)
    const [, appUrl] = await app
      .waitForLine(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 60_000)
      .catch((error) => {
        throw new Error(`${error.message}\n${app.tail()}`)
      })
    log(`example app: ${appUrl} (pid ${app.process.pid})`)

    const promPort = await freePort()
    const promUrl = `http://127.0.0.1:${promPort}`
    const config = [
      'global:',
      `  scrape_interval: ${scrapeIntervalSeconds}s`,
      `  scrape_timeout: ${scrapeIntervalSeconds}s`,
      `  evaluation_interval: ${scrapeIntervalSeconds}s`,
      ...(rulesFile ? ['rule_files:', `  - ${JSON.stringify(rulesFile)}`] : []),
      'scrape_configs:',
      `  - job_name: ${SCRAPE_JOB}`,
      '    static_configs:',
      `      - targets: ['${new URL(appUrl).host}']`,
      '',
    ].join('\n')
    const configFile = join(tmp, 'prometheus.yml')
    await writeFile(configFile, config)
    const prometheus = new Child(
      'prometheus',
      prometheusPath,
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(tmp, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--log.level=warn',
      ],
      { cwd: tmp },
    )
    children.push(prometheus)
    await waitFor('Prometheus to be ready', 30_000, async () => {
      if (!prometheus.running) throw new Error(`prometheus exited\n${prometheus.tail()}`)
      return (await fetch(`${promUrl}/-/ready`)).ok
    }).catch((error) => {
      throw new Error(`${error.message}\n${prometheus.tail()}`)
    })
    await waitFor('the first successful scrape of the example app', 30_000, async () => {
      const result = await promQuery(promUrl, `up{job="${SCRAPE_JOB}"} == 1`)
      return result.ok && result.data.result.length > 0
    })
    const build = await fetch(`${promUrl}/api/v1/status/buildinfo`)
      .then((response) => response.json())
      .then((body) => body.data?.version ?? 'unknown')
      .catch(() => 'unknown')
    log(
      `prometheus ${build}: ${promUrl} (pid ${prometheus.process.pid}, scrape every ${scrapeIntervalSeconds} s)`,
    )
    return { appUrl, promUrl, prometheusVersion: build, scrapeIntervalSeconds, tmp, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

/** Stops `stack` on Ctrl-C / SIGTERM before exiting, so nothing is left running. */
export function stopOnSignals(getStack) {
  const handler = (signal) => {
    const stack = getStack()
    console.error(`\n${signal}: stopping the example app and Prometheus`)
    Promise.resolve(stack?.stop()).finally(() => process.exit(130))
  }
  process.once('SIGINT', handler)
  process.once('SIGTERM', handler)
}

/**
 * Sends sign-ups (POST /signup) for `durationSeconds`: a steady rate that steps up in the middle,
 * three bursts sent 10 at a time, and a quiet last tenth so the backlog drains on the charts.
 */
export async function driveLoad({ appUrl, durationSeconds = 150, log = () => {} }) {
  const startMs = Date.now()
  const endMs = startMs + durationSeconds * 1000
  const stats = { sent: 0, accepted: 0, failed: 0, errors: new Map() }
  const inFlight = new Set()
  let counter = 0
  const signup = () => {
    counter += 1
    stats.sent += 1
    const request = fetch(`${appUrl}/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `load${counter}@example.com` }),
    })
      .then(async (response) => {
        await response.arrayBuffer()
        if (response.status === 202) stats.accepted += 1
        else throw new Error(`HTTP ${response.status}`)
      })
      .catch((error) => {
        stats.failed += 1
        stats.errors.set(error.message, (stats.errors.get(error.message) ?? 0) + 1)
      })
      .finally(() => inFlight.delete(request))
    inFlight.add(request)
    return request
  }
  const steadyRate = (fraction) => (fraction < 0.35 ? 3 : fraction < 0.7 ? 6 : fraction < 0.9 ? 3 : 0)
  const bursts = [
    { at: 0.2, size: 250 },
    { at: 0.5, size: 450 },
    { at: 0.78, size: 200 },
  ].map((burst) => ({ ...burst, atMs: startMs + burst.at * durationSeconds * 1000, started: false }))
  const burstRuns = []
  const runBurst = async (size) => {
    let left = size
    const worker = async () => {
      while (left > 0) {
        left -= 1
        await signup()
      }
    }
    await Promise.all(Array.from({ length: 10 }, worker))
  }

  let tokens = 0
  let lastLog = startMs
  while (Date.now() < endMs) {
    const now = Date.now()
    const fraction = (now - startMs) / (endMs - startMs)
    tokens += steadyRate(fraction) * 0.1
    // The steady stream never queues up behind a slow app: skip ticks while 50 are in flight.
    while (tokens >= 1 && inFlight.size < 50) {
      tokens -= 1
      signup()
    }
    for (const burst of bursts) {
      if (!burst.started && now >= burst.atMs) {
        burst.started = true
        log(`burst of ${burst.size} sign-ups at +${Math.round((now - startMs) / 1000)} s`)
        burstRuns.push(runBurst(burst.size))
      }
    }
    if (now - lastLog >= 30_000) {
      lastLog = now
      log(
        `+${Math.round((now - startMs) / 1000)} s: ${stats.accepted} sign-ups accepted, ${stats.failed} failed`,
      )
    }
    await sleep(100)
  }
  await Promise.all(burstRuns)
  await Promise.all([...inFlight])
  return {
    startMs,
    endMs: Date.now(),
    sent: stats.sent,
    accepted: stats.accepted,
    failed: stats.failed,
    errors: [...stats.errors].map(([message, count]) => `${message} ×${count}`),
    bursts: bursts.map(({ atMs, size }) => ({ atMs, size })),
  }
}

async function promApi(promUrl, path, params) {
  const response = await fetch(`${promUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  })
  const body = await response.json().catch(() => ({ status: 'error', error: `HTTP ${response.status}` }))
  return {
    ok: body.status === 'success',
    data: body.data,
    error: body.error ? `${body.errorType ?? 'error'}: ${body.error}` : undefined,
    warnings: body.warnings ?? [],
  }
}

/** An instant query; `{ ok, data, error, warnings }`. */
export function promQuery(promUrl, expr, timeSeconds) {
  return promApi(promUrl, '/api/v1/query', {
    query: expr,
    ...(timeSeconds === undefined ? {} : { time: String(timeSeconds) }),
  })
}

/** A range query; `{ ok, data: { resultType: 'matrix', result }, error, warnings }`. */
export function promQueryRange(promUrl, expr, startSeconds, endSeconds, stepSeconds) {
  return promApi(promUrl, '/api/v1/query_range', {
    query: expr,
    start: String(startSeconds),
    end: String(endSeconds),
    step: String(stepSeconds),
  })
}

/** `label_values(match, label)` as Grafana runs it: the label's values among series matching `match`. */
export async function promLabelValues(promUrl, label, match, startSeconds, endSeconds) {
  const params = new URLSearchParams({ start: String(startSeconds), end: String(endSeconds) })
  if (match) params.append('match[]', match)
  const response = await fetch(`${promUrl}/api/v1/label/${encodeURIComponent(label)}/values?${params}`)
  const body = await response.json()
  return { ok: body.status === 'success', values: body.data ?? [], error: body.error }
}

/** The alerting and recording rules Prometheus loaded, with their health and last error. */
export async function promRules(promUrl) {
  const body = await (await fetch(`${promUrl}/api/v1/rules`)).json()
  return (body.data?.groups ?? []).flatMap((group) =>
    group.rules.map((rule) => ({ group: group.name, ...rule })),
  )
}
