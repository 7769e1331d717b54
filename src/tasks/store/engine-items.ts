/**
 * The item store of whichever engine keeps the tasks: items live next to their tasks (the same SQLite
 * file, the same PostgreSQL database), through the handle the task store exposes.
 */
import type pg from 'pg';
import type Database from 'better-sqlite3';
import type { TaskItemStore } from '../items.ts';
import { createPostgresItemStore } from './postgres-items.ts';
import { createSqliteItemStore } from './sqlite-items.ts';

export type EngineHandle = { readonly engine: 'sqlite'; readonly db: Database.Database } | { readonly engine: 'postgres'; readonly pool: pg.Pool };

export function handleOf(store: object): EngineHandle | undefined {
  const s = store as Partial<{ engine: string; db: Database.Database; pool: pg.Pool }>;
  if (s.engine === 'sqlite' && s.db) return { engine: 'sqlite', db: s.db };
  if (s.engine === 'postgres' && s.pool) return { engine: 'postgres', pool: s.pool };
  return undefined;
}

/** The item store for a task store; throws when the task store exposes no engine handle. */
export function itemStoreFor(store: object): TaskItemStore {
  const handle = handleOf(store);
  if (!handle) throw new Error('the task store exposes no engine handle (engine: sqlite with db, or postgres with pool) for bulk-copy items');
  return handle.engine === 'sqlite' ? createSqliteItemStore(handle.db) : createPostgresItemStore(handle.pool);
}
