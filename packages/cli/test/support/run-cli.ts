import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The package root and the built executable the tests run. */
export const packageRoot = fileURLToPath(new URL('../..', import.meta.url))
export const binPath = fileURLToPath(new URL('../../dist/bin.js', import.meta.url))

/** turbo builds before testing; a test file run alone builds the binary once if it is missing. */
export async function ensureBuilt(): Promise<void> {
  if (existsSync(binPath)) return
  await new Promise<void>((resolve, reject) => {
    execFile('npx', ['tsup'], { cwd: packageRoot }, (error) => (error ? reject(error) : resolve()))
  })
}

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** The environment without the variables the CLI reads, so only what a test passes applies. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env }
  delete env.MONGO_URL
  delete env.MONGO_DB
  return { ...env, ...extra }
}

/** Runs `node dist/bin.js ...args` to completion (stdin is not a terminal). */
export function runCli(args: string[], options: { env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [binPath, ...args],
      { env: cleanEnv(options.env ?? {}), timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
        resolve({ code, stdout, stderr })
      },
    )
  })
}

/**
 * Starts the binary and resolves once stdout contains `marker`, with the child and a promise of
 * its result. Rejects if the marker has not appeared within `deadlineMs`.
 */
export function startCli(
  args: string[],
  marker: string,
  deadlineMs = 20_000,
): Promise<{ child: ReturnType<typeof spawn>; result: Promise<CliResult> }> {
  const child = spawn(process.execPath, [binPath, ...args], {
    env: cleanEnv({}),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  const result = new Promise<CliResult>((resolve) => {
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill()
      reject(new Error(`no ${JSON.stringify(marker)} on stdout within ${deadlineMs}ms; stderr: ${stderr}`))
    }, deadlineMs)
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      if (stdout.includes(marker)) {
        clearTimeout(timer)
        resolve({ child, result })
      }
    })
    child.on('close', () => {
      clearTimeout(timer)
      reject(new Error(`exited before ${JSON.stringify(marker)}; stdout: ${stdout}; stderr: ${stderr}`))
    })
  })
}
