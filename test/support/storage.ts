import { after, before } from 'node:test';
import { openStorage } from '../../src/storage/open-storage.js';
import type { Storage } from '../../src/ports/storage.js';
import type { DatabaseKind, TestDatabase } from './databases.js';

let counter = 0;

/** A value no other test (or test process) uses: ids and names in a database that earlier tests also wrote to. */
export function unique(prefix: string): string {
  return `${prefix}-${process.pid}-${++counter}-${Math.random().toString(36).slice(2)}`;
}

/**
 * A fresh, migrated database of `kind` for the tests of the enclosing suite: created and opened before them
 * (then `ready` runs, to keep the storage and seed it), closed and removed after them.
 */
export function withFreshStorage(kind: DatabaseKind, ready: (storage: Storage) => void | Promise<void>): void {
  let database: TestDatabase;
  let storage: Storage;
  before(async () => {
    database = await kind.create({ migrated: true });
    storage = await openStorage({ url: database.url, sqliteSynchronous: 'full', poolSize: 5 });
    await storage.migrate();
    await ready(storage);
  });
  after(async () => {
    await storage.close();
    await database.cleanup();
  });
}
