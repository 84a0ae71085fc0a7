// biome-ignore-all lint/correctness/noUnusedVariables: the README snippet spliced in at the marker uses them
// The root README's quick start as a program: the three functions it leaves to the reader, then its
// snippet verbatim where the marker is (scripts/tarball-test.mjs splices it in), then a check that
// the job ran. Ends the way the README says to stop: a SIGTERM, which must let the process exit.
const welcomed: string[] = []

async function findUser(userId: string): Promise<{ id: string } | null> {
  return { id: userId }
}

async function sendWelcomeEmail(user: { id: string }, options: { signal: AbortSignal }): Promise<void> {
  options.signal.throwIfAborted()
  welcomed.push(user.id)
}

async function sendDigests(_data: unknown): Promise<void> {}

// README: Quick start

if (id === null) throw new Error('the quick start enqueued nothing (a job with its dedupe key exists)')
const deadline = Date.now() + 20_000
for (;;) {
  const job = await queue.getJob(id)
  if (job?.state === 'completed') break
  if (Date.now() > deadline) throw new Error(`job ${id} did not complete: ${job?.state ?? 'missing'}`)
  await new Promise((resolve) => setTimeout(resolve, 50))
}
console.log(JSON.stringify({ completed: id, welcomed }))
process.kill(process.pid, 'SIGTERM')
