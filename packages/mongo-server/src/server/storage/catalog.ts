import type { Document } from '../bson-values.js'
import { errorCodes, MongoCommandError } from '../errors.js'
import { Collection } from './collection.js'

export interface Namespace {
  database: string
  collection: string
}

/** Every database and collection of one server, in memory. */
export class Catalog {
  private databases = new Map<string, Map<string, Collection>>()

  collection(database: string, name: string): Collection | undefined {
    return this.databases.get(database)?.get(name)
  }

  /** Creates the collection on first write, as mongod does. */
  ensureCollection(database: string, name: string): Collection {
    assertValidName(database, name)
    let collections = this.databases.get(database)
    if (collections === undefined) {
      collections = new Map()
      this.databases.set(database, collections)
    }
    let collection = collections.get(name)
    if (collection === undefined) {
      collection = new Collection(database, name)
      collections.set(name, collection)
    }
    return collection
  }

  createCollection(database: string, name: string, options: Document): Collection {
    if (this.collection(database, name) !== undefined) {
      throw new MongoCommandError(
        errorCodes.namespaceExists,
        `Collection ${database}.${name} already exists.`,
      )
    }
    assertValidName(database, name)
    const collection = new Collection(database, name, options)
    let collections = this.databases.get(database)
    if (collections === undefined) {
      collections = new Map()
      this.databases.set(database, collections)
    }
    collections.set(name, collection)
    return collection
  }

  dropCollection(database: string, name: string): boolean {
    const collections = this.databases.get(database)
    if (collections === undefined) return false
    const dropped = collections.delete(name)
    if (collections.size === 0) this.databases.delete(database)
    return dropped
  }

  dropDatabase(database: string): boolean {
    return this.databases.delete(database)
  }

  /**
   * Moves a collection's documents, indexes and options to a new name, possibly in another
   * database, replacing the target when `dropTarget` is set. Checks everything before changing
   * anything, so a refused rename leaves both collections as they were.
   */
  renameCollection(from: Namespace, to: Namespace, dropTarget: boolean): void {
    const source = this.collection(from.database, from.collection)
    if (from.database === to.database && from.collection === to.collection) {
      throw new MongoCommandError(errorCodes.illegalOperation, "Can't rename a collection to itself")
    }
    if (source === undefined) {
      throw new MongoCommandError(
        errorCodes.namespaceNotFound,
        `Source collection ${from.database}.${from.collection} does not exist`,
      )
    }
    assertValidName(to.database, to.collection)
    if (this.collection(to.database, to.collection) !== undefined && !dropTarget) {
      throw new MongoCommandError(errorCodes.namespaceExists, 'target namespace exists')
    }
    const moved = new Collection(to.database, to.collection, source.options)
    for (const spec of source.indexSpecs().slice(1)) moved.addIndex(spec)
    // restore keeps each record's id, so the natural order survives the move.
    for (const record of source.records.values()) moved.restore(record)
    this.dropCollection(from.database, from.collection)
    this.dropCollection(to.database, to.collection)
    let collections = this.databases.get(to.database)
    if (collections === undefined) {
      collections = new Map()
      this.databases.set(to.database, collections)
    }
    collections.set(to.collection, moved)
  }

  databaseNames(): string[] {
    return [...this.databases.keys()]
  }

  collectionsOf(database: string): Collection[] {
    return [...(this.databases.get(database)?.values() ?? [])]
  }

  allCollections(): Collection[] {
    return [...this.databases.values()].flatMap((collections) => [...collections.values()])
  }
}

function assertValidName(database: string, name: string): void {
  if (database === '' || /[/\\. "$]/.test(database)) {
    throw new MongoCommandError(73, `Invalid database name: '${database}'`)
  }
  if (name === '' || name.includes('$') || name.startsWith('.') || name.includes('\u0000')) {
    throw new MongoCommandError(73, `Invalid collection name: ${name}`)
  }
}
