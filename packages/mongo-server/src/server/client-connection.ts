import type { Socket } from 'node:net'
import { Long } from 'bson'
import type { Document } from './bson-values.js'
import { helloReply } from './commands/hello-reply.js'
import { runCommand } from './commands/run-command.js'
import type { ServerState } from './server-state.js'
import { MessageFramer, nextRequestId, type WireMessage } from './wire/message-framer.js'
import { encodeOpMsg, opMsgCode, opMsgFlags, parseOpMsg } from './wire/op-msg.js'
import { encodeOpReply, opQueryCode, parseOpQuery } from './wire/op-query.js'

const helloNames = new Set(['hello', 'isMaster', 'ismaster'])

/**
 * One client socket. Requests on a connection are answered in order (the driver never pipelines,
 * except streaming hello on monitoring connections, which runs on its own).
 */
export class ClientConnection {
  private readonly framer = new MessageFramer()
  private queue: Promise<void> = Promise.resolve()
  private readonly heldReplies: Buffer[] = []
  closed = false

  constructor(
    private readonly server: ServerState,
    readonly socket: Socket,
    readonly id: number,
  ) {
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => this.receive(chunk))
    socket.on('close', () => {
      this.closed = true
    })
    socket.on('error', () => socket.destroy())
  }

  private receive(chunk: Buffer): void {
    let messages: WireMessage[]
    try {
      messages = this.framer.push(chunk)
    } catch {
      this.socket.destroy()
      return
    }
    for (const message of messages) {
      this.queue = this.queue
        .then(() => this.handle(message))
        .catch(() => {
          this.socket.destroy()
        })
    }
  }

  private async handle(message: WireMessage): Promise<void> {
    if (message.opCode === opQueryCode) {
      const { fullCollectionName, command } = parseOpQuery(message.body)
      const database = fullCollectionName.split('.')[0] ?? 'admin'
      const reply = await runCommand(this.server, { ...command, $db: database }, this.id)
      this.send(encodeOpReply(nextRequestId(), message.requestId, reply), true)
      return
    }
    if (message.opCode !== opMsgCode) {
      this.socket.destroy()
      return
    }
    const { flags, command } = parseOpMsg(message.body)
    const name = Object.keys(command)[0] ?? ''
    if (helloNames.has(name) && flags & opMsgFlags.exhaustAllowed && command.topologyVersion !== undefined) {
      // Streaming hello runs detached: the monitor connection sends nothing else while it lasts.
      void this.streamHello(command, message.requestId, name !== 'hello')
      return
    }
    const reply = await runCommand(this.server, command, this.id)
    // A request with moreToCome (w:0 writes, endSessions on close) must get no reply at all.
    if (flags & opMsgFlags.moreToCome) return
    this.send(encodeOpMsg(nextRequestId(), message.requestId, reply), helloNames.has(name))
  }

  /**
   * The monitor's awaitable hello: answer when the topology changes or after maxAwaitTimeMS,
   * with moreToCome set, and keep answering until the socket closes.
   */
  private async streamHello(command: Document, requestId: number, legacy: boolean): Promise<void> {
    this.server.countCommand('hello')
    const awaitMs = Number((command.maxAwaitTimeMS as { valueOf(): number } | undefined)?.valueOf() ?? 10_000)
    const clientVersion = command.topologyVersion as {
      processId?: { equals(other: unknown): boolean }
      counter?: unknown
    }
    let knownCounter =
      clientVersion.processId?.equals(this.server.processId) === true
        ? Number(Long.fromValue(clientVersion.counter as Long))
        : -1
    let responseTo = requestId
    while (!this.closed) {
      if (knownCounter === this.server.topologyCounter) await this.waitForTopologyChange(awaitMs)
      if (this.closed) return
      const reply = helloReply(this.server, this.id, legacy)
      knownCounter = this.server.topologyCounter
      const replyId = nextRequestId()
      this.send(encodeOpMsg(replyId, responseTo, reply, opMsgFlags.moreToCome), true)
      responseTo = replyId
    }
  }

  private waitForTopologyChange(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.socket.off('close', done)
        unsubscribe()
        resolve()
      }
      const timer = setTimeout(done, timeoutMs)
      this.socket.once('close', done)
      const unsubscribe = this.server.onTopologyChange(done)
    })
  }

  /** Sends a reply, unless fault injection holds or delays it (monitoring replies are never held). */
  private send(buffer: Buffer, monitoring: boolean): void {
    if (this.closed) return
    const faults = this.server.faults
    if (!monitoring && faults.hangingReplies) {
      this.heldReplies.push(buffer)
      return
    }
    if (!monitoring && faults.replyDelayMs > 0) {
      setTimeout(() => this.closed || this.socket.write(buffer), faults.replyDelayMs)
      return
    }
    this.socket.write(buffer)
  }

  /** Sends replies held by `hangReplies`, in order. */
  releaseHeldReplies(): void {
    for (const buffer of this.heldReplies.splice(0)) if (!this.closed) this.socket.write(buffer)
  }

  close(): void {
    this.closed = true
    this.socket.destroy()
  }
}
