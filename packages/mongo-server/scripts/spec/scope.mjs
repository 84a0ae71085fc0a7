// What the spec runner does not measure, and why. A test is skipped (not failed) when its JSON, or
// the file's createEntities/initialData it relies on, uses one of these features, or when its
// runOnRequirements do not fit the server. Each reason is printed with the skip count.

/**
 * Features the in-process server declares it does not have (its README's "What it does not do")
 * or that a single in-process node cannot have. `test(json, text)` decides per test.
 */
export const OUT_OF_SCOPE = [
  {
    reason: '$out/$merge stages (not supported by the in-process server)',
    test: (_, t) => /"\$(out|merge)"/.test(t),
  },
  { reason: 'collations (not supported)', test: (_, t) => t.includes('"collation"') },
  {
    reason: 'change stream pre- and post-images (fullDocumentBeforeChange, changeStreamPreAndPostImages)',
    test: (_, t) =>
      t.includes('fullDocumentBeforeChange') ||
      t.includes('changeStreamPreAndPostImages') ||
      /"fullDocument":\s*"(required|whenAvailable)"/.test(t),
  },
  {
    reason: 'failCommand failpoints (the in-process server has none)',
    test: (_, t) => /"name":\s*"(failPoint|targetedFailPoint)"/.test(t) || t.includes('"configureFailPoint"'),
  },
  {
    reason: 'authentication (not supported)',
    test: (_, t) => t.includes('"auth": true') || t.includes('"observeSensitiveCommands"'),
  },
  {
    reason: '$search/$searchMeta/$vectorSearch (Atlas Search)',
    test: (_, t) => /"\$(search|searchMeta|vectorSearch|listSearchIndexes)"/.test(t),
  },
  {
    reason: 'timeseries collections (not supported)',
    test: (_, t) => t.includes('"timeseries"'),
  },
  {
    reason: '`let` variables (the server refuses `let` with 238 NotImplemented)',
    test: (_, t) => t.includes('"let"'),
  },
  { reason: 'schema validation (not supported)', test: (_, t) => t.includes('"validator"') },
  {
    reason: 'queryable encryption / CSFLE',
    test: (_, t) =>
      t.includes('"encryptedFields"') || t.includes('"clientEncryption"') || t.includes('"csfle"'),
  },
  {
    // drop, dropDatabase, rename and invalidate are implemented; the expanded DDL events are not.
    reason: 'expanded DDL change events (create, createIndexes, dropIndexes, modify, shardCollection)',
    test: (_, t) => /"operationType":\s*"(create|createIndexes|dropIndexes|modify|shardCollection)"/.test(t),
  },
  { reason: '$$CLUSTER_TIME (not supported)', test: (_, t) => t.includes('$$CLUSTER_TIME') },
  {
    reason: 'views (not supported: `create` with `viewOn` fails with CommandNotSupported)',
    test: (parts) =>
      (parts.test.operations ?? []).some(
        (operation) =>
          operation.arguments?.viewOn !== undefined || operation.arguments?.command?.viewOn !== undefined,
      ),
  },
  {
    reason:
      'a secondary member (a client with readPreference=secondary; the server is a one-node replica set)',
    test: (_, t) => /"uriOptions": \{[^}]*"readPreference": "secondary"/.test(t),
  },
  { reason: 'GridFS buckets (not part of these suites)', test: (_, t) => t.includes('"bucket"') },
  {
    reason: 'client-side operation timeouts (timeoutMS) need blocking failpoints',
    test: (_, t) => t.includes('"timeoutMS"'),
  },
]

/** Features of the unified format this runner does not implement (skipped, reported apart). */
export const RUNNER_UNSUPPORTED = [
  { reason: 'runner: expectLogMessages (driver logging)', test: (_, t) => t.includes('"expectLogMessages"') },
  {
    reason: 'runner: storeEventsAsEntities / loop',
    test: (_, t) => t.includes('"storeEventsAsEntities"') || /"name":\s*"loop"/.test(t),
  },
  { reason: 'runner: thread entities', test: (_, t) => t.includes('"thread"') },
]

/**
 * Tests that check a driver behaviour the Node.js driver does not have (they fail against mongod
 * too): matched by file and test description.
 */
export const DRIVER_DEVIATIONS = [
  {
    reason: 'driver: the Node.js driver does not send bypassDocumentValidation: false',
    test: (file, description) =>
      file === 'bypassDocumentValidation.json' &&
      /^(BulkWrite|FindOneAndReplace|FindOneAndUpdate|InsertMany) passes bypassDocumentValidation: false/.test(
        description,
      ),
  },
  {
    reason: 'driver: the Node.js driver replaces a null _id with an ObjectId',
    test: (file) => file === 'create-null-ids.json',
  },
]

/** The driver deviation that `test` of `fileName` checks, or null. */
export function driverSkipReason(fileName, test) {
  return DRIVER_DEVIATIONS.find((rule) => rule.test(fileName, test.description))?.reason ?? null
}

/** The first out-of-scope reason that applies to `parts` (test, createEntities, initialData), or null. */
export function scopeSkipReason(parts) {
  const text = JSON.stringify(parts, null, 1)
  for (const rule of OUT_OF_SCOPE)
    if (rule.test(parts, text)) return { reason: rule.reason, kind: 'out-of-scope' }
  for (const rule of RUNNER_UNSUPPORTED)
    if (rule.test(parts, text)) return { reason: rule.reason, kind: 'runner' }
  return null
}

function compareVersions(a, b) {
  const pa = String(a).split('.').map(Number)
  const pb = String(b).split('.').map(Number)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

/**
 * Why `requirements` (an array of alternatives; any one suffices) do not fit `server`
 * ({ version, topology, serverParameters() }), or null when one fits.
 */
export async function requirementsSkipReason(requirements, server) {
  if (!requirements || requirements.length === 0) return null
  const reasons = []
  for (const req of requirements) {
    const reason = await oneRequirement(req, server)
    if (!reason) return null
    reasons.push(reason)
  }
  return reasons.join('; or ')
}

async function oneRequirement(req, server) {
  if (req.minServerVersion && compareVersions(server.version, req.minServerVersion) < 0)
    return `needs server ≥ ${req.minServerVersion} (server is ${server.version})`
  if (req.maxServerVersion && compareVersions(server.version, req.maxServerVersion) > 0)
    return `needs server ≤ ${req.maxServerVersion} (server is ${server.version})`
  if (req.topologies && !req.topologies.includes(server.topology))
    return `needs topology ${req.topologies.join('|')} (server is ${server.topology})`
  if (req.serverless === 'require') return 'needs serverless'
  if (req.auth === true) return 'needs authentication'
  if (req.csfle) return 'needs CSFLE'
  if (req.authMechanism) return `needs auth mechanism ${req.authMechanism}`
  if (req.serverParameters) {
    const parameters = await server.serverParameters(Object.keys(req.serverParameters))
    for (const [name, value] of Object.entries(req.serverParameters)) {
      if (parameters?.[name] === undefined) return `needs server parameter ${name} (not reported)`
      if (JSON.stringify(parameters[name]) !== JSON.stringify(value))
        return `needs server parameter ${name}=${JSON.stringify(value)}`
    }
  }
  return null
}
