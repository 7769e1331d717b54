/**
 * The stores that live next to the tasks, in whichever engine keeps them (the same SQLite file, the
 * same PostgreSQL database), through the handle the task store exposes: bulk-copy items and router
 * callback subscriptions.
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';
import type { CallbackSubscriptionStore } from '../callback-subscriptions.ts';
import type { TaskItemStore } from '../items.ts';
import { createPostgresCallbackSubscriptions } from './postgres-callbacks.ts';
import { createPostgresItemStore } from './postgres-items.ts';
import { createSqliteCallbackSubscriptions } from './sqlite-callbacks.ts';
import { createSqliteItemStore } from './sqlite-items.ts';

interface EngineMakers<T> {
  readonly sqlite: (db: Database.Database) => T;
  readonly postgres: (pool: pg.Pool) => T;
}

/** `make` for the task store's engine; throws when the task store exposes no engine handle. */
function forEngine<T>(store: object, what: string, make: EngineMakers<T>): T {
  const s = store as Partial<{ engine: string; db: Database.Database; pool: pg.Pool }>;
  if (s.engine === 'sqlite' && s.db) return make.sqlite(s.db);
  if (s.engine === 'postgres' && s.pool) return make.postgres(s.pool);
  throw new Error(`the task store exposes no engine handle (engine: sqlite with db, or postgres with pool) for ${what}`);
}

/** The items of bulk copies, next to their tasks. */
export function itemStoreFor(store: object): TaskItemStore {
  return forEngine(store, 'bulk-copy items', { sqlite: createSqliteItemStore, postgres: createPostgresItemStore });
}

/** The durable records of router callback subscriptions, next to the tasks they watch. */
export function callbackStoreFor(store: object): CallbackSubscriptionStore {
  return forEngine(store, 'callback subscriptions', {
    sqlite: (db) => createSqliteCallbackSubscriptions(db),
    postgres: createPostgresCallbackSubscriptions,
  });
}
