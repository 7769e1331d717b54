/**
 * Mutual exclusion by key, for copies that must not overlap (Blue: copygraph's own copies into one
 * list run one after another, so each can identify its own record). In-process by default; across
 * replicas a PostgreSQL session advisory lock per key. A leaf module: it imports nothing of the project.
 */
import type { SqlPool } from './rate-limiter.ts';

export interface KeyedLock {
  /** Runs `fn` while holding the lock of `key`; calls for one key run one after another. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

export function createInProcessLock(): KeyedLock {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run(key, fn) {
      const previous = tails.get(key) ?? Promise.resolve();
      const run = previous.catch(() => undefined).then(fn);
      const tail = run.catch(() => undefined);
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return run;
    },
  };
}

/**
 * A PostgreSQL advisory lock per key (`pg_advisory_lock(hashtext(scope|key))`), held on one pooled
 * connection for the length of `fn`. Calls of one replica for one key queue in-process first, so a
 * busy list holds one connection, not one per waiting copy. A replica that dies loses its connection
 * and with it the lock. Two keys whose hashes collide only wait for each other, never mix.
 */
export function createPostgresLock(pool: SqlPool, scope: string): KeyedLock {
  const local = createInProcessLock();
  return {
    run(key, fn) {
      // PostgreSQL text holds no NUL (a common key separator): the key travels percent-encoded.
      const name = `${scope}|${encodeURIComponent(key)}`;
      return local.run(key, async () => {
        const client = await pool.connect();
        let healthy = true;
        try {
          await client.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
          try {
            return await fn();
          } finally {
            await client.query('SELECT pg_advisory_unlock(hashtext($1))', [name]).catch(() => {
              healthy = false;
            });
          }
        } finally {
          // A connection whose unlock failed may still hold the lock: it is closed, not reused.
          (client.release as (err?: boolean) => void)(!healthy);
        }
      });
    },
  };
}
