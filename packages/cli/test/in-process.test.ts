import { useMongo } from '@durabl/mongo-server/harness'
import { describe, expect, it } from 'vitest'
import { type CliIo, main } from '../src/index.js'
import { seedScenario, target } from './support/seed.js'

const mongo = await useMongo()

/** An io that records output; `onWrite` sees each write (to interrupt a watch, say). */
function recordingIo(options: { tty?: boolean; onWrite?: (text: string) => void } = {}) {
  const output = { stdout: '', stderr: '' }
  let interrupt: (() => void) | undefined
  const io: Partial<CliIo> = {
    stdout: {
      isTTY: options.tty ?? false,
      write: (text: string) => {
        output.stdout += text
        options.onWrite?.(text)
      },
    },
    stderr: { write: (text: string) => (output.stderr += text) },
    stdin: { isTTY: options.tty ?? false },
    env: {},
    confirm: async () => false,
    onInterrupt: (handler) => {
      interrupt = handler
      return () => {
        interrupt = undefined
      }
    },
  }
  return { io, output, interrupt: () => interrupt?.() }
}

describe('main() in-process', () => {
  it('redraws the stats in place on a terminal and stops at Ctrl-C', async () => {
    const scenario = await seedScenario(mongo)
    let frames = 0
    const recording = recordingIo({
      tty: true,
      onWrite: (text) => {
        if (!text.includes('TOTAL')) return
        frames += 1
        if (frames === 2) recording.interrupt()
      },
    })
    const code = await main(
      ['node', 'durabl', 'stats', '--watch', '--interval-ms', '1', ...target(scenario)],
      recording.io,
    )
    expect(code).toBe(0)
    expect(frames).toBe(2)
    expect(recording.output.stdout.split('\u001b[2J\u001b[H')).toHaveLength(3)
    expect(recording.output.stdout).toContain('Ctrl-C to stop')
  })

  it('returns exit codes instead of exiting, writing errors to the given stderr', async () => {
    const usage = recordingIo()
    expect(await main(['node', 'durabl', 'jobs', 'frobnicate'], usage.io)).toBe(2)
    expect(usage.output.stderr).toContain("unknown command 'frobnicate'")

    const help = recordingIo()
    expect(await main(['node', 'durabl', 'jobs', 'list', '--help'], help.io)).toBe(0)
    expect(help.output.stdout).toContain('--cursor <cursor>')
  })
})
