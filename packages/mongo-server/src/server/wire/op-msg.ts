import { deserialize, serialize } from 'bson'
import type { Document } from '../bson-values.js'
import { header } from './message-framer.js'

export const opMsgCode = 2013

export const opMsgFlags = {
  checksumPresent: 1 << 0,
  moreToCome: 1 << 1,
  exhaustAllowed: 1 << 16,
} as const

/** Numeric BSON types stay wrapped (Int32, Double, Long) so documents keep the types clients sent. */
export const deserializeOptions = { promoteValues: false, promoteBuffers: false } as const

export interface OpMsgRequest {
  readonly flags: number
  readonly command: Document
}

/** Decodes an OP_MSG: the kind-0 body, with kind-1 document sequences merged in as arrays. */
export function parseOpMsg(body: Buffer): OpMsgRequest {
  const flags = body.readUInt32LE(0)
  const end = flags & opMsgFlags.checksumPresent ? body.length - 4 : body.length
  let offset = 4
  let command: Document = {}
  const sequences: Record<string, Document[]> = {}
  while (offset < end) {
    const kind = body[offset]
    offset += 1
    if (kind === 0) {
      const size = body.readInt32LE(offset)
      command = deserialize(body.subarray(offset, offset + size), deserializeOptions)
      offset += size
    } else if (kind === 1) {
      const size = body.readInt32LE(offset)
      const sectionEnd = offset + size
      const nameEnd = body.indexOf(0, offset + 4)
      const identifier = body.toString('utf8', offset + 4, nameEnd)
      let position = nameEnd + 1
      const documents: Document[] = []
      while (position < sectionEnd) {
        const documentSize = body.readInt32LE(position)
        documents.push(deserialize(body.subarray(position, position + documentSize), deserializeOptions))
        position += documentSize
      }
      sequences[identifier] = documents
      offset = sectionEnd
    } else {
      throw new Error(`unknown OP_MSG section kind ${kind}`)
    }
  }
  return { flags, command: { ...command, ...sequences } }
}

export function encodeOpMsg(requestId: number, responseTo: number, reply: Document, flags = 0): Buffer {
  const document = serialize(reply, { ignoreUndefined: true })
  const prefix = Buffer.alloc(5)
  prefix.writeUInt32LE(flags, 0)
  prefix[4] = 0
  const length = 16 + prefix.length + document.length
  return Buffer.concat([header(length, requestId, responseTo, opMsgCode), prefix, document])
}
