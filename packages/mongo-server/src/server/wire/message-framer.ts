/** Largest message accepted; mongod's limit is 48 MB. */
const maxMessageBytes = 48_000_000 + 16 * 1024 * 1024

export interface WireMessage {
  readonly requestId: number
  readonly responseTo: number
  readonly opCode: number
  /** Everything after the 16-byte header. */
  readonly body: Buffer
}

/** Splits the TCP byte stream into MongoDB wire messages (length-prefixed, little-endian). */
export class MessageFramer {
  private pending: Buffer = Buffer.alloc(0)

  push(chunk: Buffer): WireMessage[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    const messages: WireMessage[] = []
    while (this.pending.length >= 4) {
      const length = this.pending.readInt32LE(0)
      if (length < 16 || length > maxMessageBytes) throw new Error(`invalid message length ${length}`)
      if (this.pending.length < length) break
      const message = this.pending.subarray(0, length)
      messages.push({
        requestId: message.readInt32LE(4),
        responseTo: message.readInt32LE(8),
        opCode: message.readInt32LE(12),
        body: message.subarray(16),
      })
      this.pending = this.pending.subarray(length)
    }
    return messages
  }
}

let lastRequestId = 0

/** Request ids of server messages; exhaust replies point their responseTo at the previous one. */
export function nextRequestId(): number {
  lastRequestId = (lastRequestId + 1) & 0x7fffffff
  return lastRequestId
}

export function header(length: number, requestId: number, responseTo: number, opCode: number): Buffer {
  const buffer = Buffer.alloc(16)
  buffer.writeInt32LE(length, 0)
  buffer.writeInt32LE(requestId, 4)
  buffer.writeInt32LE(responseTo, 8)
  buffer.writeInt32LE(opCode, 12)
  return buffer
}
