// The built example app (apps/example/dist) run from the tarballs: npm installs its dependency set,
// OpenTelemetry pins included, next to the packed @durabl packages; then it serves 3 demo sign-ups
// against the test's MongoDB and stops on SIGTERM.
import { spawn } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { npmInstall } from './helpers.mjs'

const SIGNUPS = 3
const DEADLINE_MS = 30_000

/** `durabl-mongo-server-0.0.0.tgz` → `@durabl/mongo-server`. */
const packageOf = (tarball) => basename(tarball).replace(/^durabl-(.*)-\d+\.\d+\.\d+.*\.tgz$/, '@durabl/$1')

/** Polls `probe` until it returns a value, or throws naming `what` after the deadline. */
async function eventually(what, probe) {
  const deadline = Date.now() + DEADLINE_MS
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

export async function runExampleFromTarballs({ check, root, work, tarballs, uri }) {
  const app = join(work, 'example')
  mkdirSync(app)
  const manifest = JSON.parse(readFileSync(join(root, 'apps', 'example', 'package.json'), 'utf8'))
  const specs = Object.entries(manifest.dependencies).map(([name, range]) =>
    range.startsWith('workspace:')
      ? tarballs.find((tarball) => packageOf(tarball) === name)
      : `${name}@${range}`,
  )
  writeFileSync(
    join(app, 'package.json'),
    `${JSON.stringify({ name: 'example', private: true, type: 'module' })}\n`,
  )
  if (!(await npmInstall(check, "the example app's dependencies (its OpenTelemetry pins)", app, specs)))
    return
  copyFileSync(join(root, 'apps', 'example', 'dist', 'main.js'), join(app, 'main.js'))

  const child = spawn(process.execPath, ['main.js', '--port', '0', '--demo-signups', String(SIGNUPS)], {
    cwd: app,
    env: { ...process.env, MONGO_URL: uri, MONGO_DB: 'example', OTEL_EXPORTER_OTLP_ENDPOINT: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)))
  try {
    const base = await eventually('the example app to listen', async () => {
      if (child.exitCode !== null) throw new Error(`it exited with ${child.exitCode}: ${stderr.trim()}`)
      return stdout.match(/listening on (http:\/\/\S+)/)?.[1]
    })
    await eventually(`the ${SIGNUPS * 3} jobs of ${SIGNUPS} demo sign-ups to complete`, async () => {
      const stats = await (await fetch(`${base}/stats`)).json()
      // The sign-ups' types only: the app's every-5-seconds schedule completes jobs of its own.
      const signupTypes = ['welcome-email', 'provision-workspace', 'send-tips']
      const completed = stats.types
        .filter((entry) => signupTypes.includes(entry.type))
        .reduce((sum, entry) => sum + entry.completed, 0)
      return completed === SIGNUPS * 3 ? stats : undefined
    })
    const metrics = await (await fetch(`${base}/metrics`)).text()
    const line = `durabl_jobs_completed_total{queue="example",type="welcome-email"} ${SIGNUPS}`
    check(`the example app from the tarballs runs ${SIGNUPS} demo sign-ups (${line})`, metrics.includes(line))
  } catch (error) {
    check(
      'the example app from the tarballs runs its demo sign-ups',
      false,
      `${error.message}\n${stdout}${stderr}`,
    )
  }
  if (child.exitCode === null) child.kill('SIGTERM')
  let timer
  const deadline = new Promise((resolve) => (timer = setTimeout(resolve, DEADLINE_MS, 'still running')))
  const code = await Promise.race([exited, deadline])
  clearTimeout(timer)
  if (code === 'still running') child.kill('SIGKILL')
  check(
    'the example app from the tarballs stops cleanly on SIGTERM',
    code === 0 && stdout.includes('stopped cleanly') && stderr === '',
    `exit ${code}; stderr: ${stderr.trim() || '(empty)'}`,
  )
}
