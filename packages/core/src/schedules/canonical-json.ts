/**
 * JSON with object keys sorted, so equal values give equal text whatever their key order and
 * whichever process wrote them. Dates become ISO strings, binary `{ $binary: base64 }`, BSON
 * values (`_bsontype`) `{ $bson: type, value }`; `undefined` properties are left out, as in JSON.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value !== 'object') return JSON.stringify(value)
  if (value instanceof Date) return JSON.stringify(value.toISOString())
  if (value instanceof Uint8Array) {
    return canonicalJson({
      $binary: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'),
    })
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`
  const bson = value as { _bsontype?: unknown; toJSON?: () => unknown }
  if (typeof bson._bsontype === 'string') {
    return canonicalJson({ $bson: bson._bsontype, value: String(bson.toJSON?.() ?? value) })
  }
  const record = value as Record<string, unknown>
  const entries = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`)
  return `{${entries.join(',')}}`
}
