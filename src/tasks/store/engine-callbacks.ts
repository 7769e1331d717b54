/**
 * The router callback subscription records of whichever engine keeps the tasks (the same SQLite file,
 * the same PostgreSQL database), through the handle the task store exposes.
 */
import type { CallbackSubscriptionStore } from '../callback-subscriptions.ts';
import { handleOf } from './engine-items.ts';
import { createPostgresCallbackSubscriptions } from './postgres-callbacks.ts';
import { createSqliteCallbackSubscriptions } from './sqlite-callbacks.ts';

/** The callback subscription store for a task store; throws when the task store exposes no engine handle. */
export function callbackStoreFor(store: object): CallbackSubscriptionStore {
  const handle = handleOf(store);
  if (!handle) throw new Error('the task store exposes no engine handle (engine: sqlite with db, or postgres with pool) for callback subscriptions');
  return handle.engine === 'sqlite' ? createSqliteCallbackSubscriptions(handle.db) : createPostgresCallbackSubscriptions(handle.pool);
}
