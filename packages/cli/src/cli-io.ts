import { createInterface } from 'node:readline/promises'

/** Somewhere the CLI writes text. */
export interface OutputStream {
  write(text: string): unknown
  /** True when a person is looking at it (colours, screen clears and prompts only then). */
  isTTY?: boolean
}

/**
 * Everything the CLI touches outside itself, injectable so the program runs in-process in tests.
 * `main(argv)` uses the real process; `main(argv, io)` replaces any part of it.
 */
export interface CliIo {
  stdout: OutputStream
  stderr: OutputStream
  /** Only `isTTY` is read: confirmations are asked only when stdin is a terminal. */
  stdin: { isTTY?: boolean }
  /** The environment: `MONGO_URL`, `MONGO_DB`. */
  env: Record<string, string | undefined>
  /** Asks a yes/no question on the terminal; true only for an explicit yes. */
  confirm(question: string): Promise<boolean>
  /** Calls `handler` on Ctrl-C (SIGINT); returns a function that stops listening. */
  onInterrupt(handler: () => void): () => void
  /** The wall clock (due counts and ages are computed against it). */
  now(): Date
}

async function confirmOnTerminal(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr })
  try {
    const answer = await prompt.question(`${question} [y/N] `)
    return /^(y|yes)$/i.test(answer.trim())
  } finally {
    prompt.close()
  }
}

/** The real process: its streams, environment, terminal and signals. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    confirm: confirmOnTerminal,
    onInterrupt(handler) {
      process.once('SIGINT', handler)
      return () => process.off('SIGINT', handler)
    },
    now: () => new Date(),
  }
}
