import { deserialize, serialize } from 'bson'
import type { Document } from '../bson-values.js'
import { header } from './message-framer.js'
import { deserializeOptions } from './op-msg.js'

export const opQueryCode = 2004
export const opReplyCode = 1

export interface OpQueryRequest {
  /** e.g. `admin.$cmd` */
  readonly fullCollectionName: string
  readonly command: Document
}

/** Decodes the legacy OP_QUERY the driver still uses for the initial `ismaster` handshake. */
export function parseOpQuery(body: Buffer): OpQueryRequest {
  const nameEnd = body.indexOf(0, 4)
  const fullCollectionName = body.toString('utf8', 4, nameEnd)
  const queryStart = nameEnd + 1 + 8
  const size = body.readInt32LE(queryStart)
  const query = deserialize(body.subarray(queryStart, queryStart + size), deserializeOptions)
  const command = (query.$query ?? query) as Document
  return { fullCollectionName, command }
}

/** OP_REPLY with one document, the only answer the driver accepts to an OP_QUERY. */
export function encodeOpReply(requestId: number, responseTo: number, reply: Document): Buffer {
  const document = serialize(reply, { ignoreUndefined: true })
  const fields = Buffer.alloc(20)
  fields.writeInt32LE(8, 0) // AwaitCapable
  fields.writeBigInt64LE(0n, 4) // cursor id
  fields.writeInt32LE(0, 12) // starting from
  fields.writeInt32LE(1, 16) // number returned
  const length = 16 + fields.length + document.length
  return Buffer.concat([header(length, requestId, responseTo, opReplyCode), fields, document])
}
