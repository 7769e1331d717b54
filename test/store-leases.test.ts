/**
 * Poll leases, shared rate budgets and LISTEN/NOTIFY pub/sub on a real PostgreSQL server: the pieces
 * several replicas coordinate through, each tested with several independent clients (as replicas are).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, RateLimitWaitExceeded, type Release, SharedRateBudget } from '../src/core/rate-limiter.ts';
import { createPostgresLeases, type PostgresLeases } from '../src/tasks/leases/postgres.ts';
import { applyChange, type CopyTaskRecord, TaskStatus } from '../src/tasks/model.ts';
import { createPostgresPubSub, type PostgresPubSub } from '../src/tasks/pubsub/postgres.ts';
import { createPostgresTaskStore, type PostgresTaskStore } from '../src/tasks/store/postgres.ts';
import { createDatabase } from './helpers/postgres.ts';
import { eventually } from './helpers/stack.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function store(url: string): Promise<PostgresTaskStore> {
  const s = await createPostgresTaskStore(url);
  cleanups.push(() => s.close());
  return s;
}

function leases(s: PostgresTaskStore, holder: string): PostgresLeases {
  const l = createPostgresLeases({ pool: s.pool, holder, ttlMs: 60_000 });
  cleanups.push(() => l.close());
  return l;
}

let n = 0;
function task(over: Partial<CopyTaskRecord> = {}): CopyTaskRecord {
  n += 1;
  const old = new Date(Date.now() - 3_600_000).toISOString();
  return {
    id: `lease-task-${n}-${Math.random().toString(36).slice(2)}`,
    owner: 'alice',
    provider: 'PAN123',
    status: TaskStatus.RUNNING,
    createdAt: old,
    updatedAt: old,
    finishedAt: null,
    upstreamTaskId: null,
    progress: null,
    result: null,
    failures: [],
    error: null,
    credentialSource: 'config',
    watch: null,
    version: 1,
    ...over,
  };
}

/** Makes every lease look expired, as when its holder died a lease period ago. */
const expireAll = (s: PostgresTaskStore) => s.pool.query("UPDATE task_leases SET expires_at = now() - interval '1 second'");

describe('poll leases', () => {
  it('gives a task to one holder at a time, and to another once the lease expires', async () => {
    const s = await store(await createDatabase('leases'));
    const [a, b] = [leases(s, 'A'), leases(s, 'B')];
    const t = task();
    await s.insert(t);
    expect(await a.hold(t.id)).toBe('acquired');
    expect(await a.hold(t.id)).toBe('renewed');
    expect(await b.hold(t.id)).toBe('held-elsewhere');
    await expireAll(s);
    expect(await b.hold(t.id)).toBe('acquired');
    expect(await a.hold(t.id)).toBe('held-elsewhere');
    await b.release(t.id);
    expect(await a.hold(t.id)).toBe('acquired');
  });

  it('splits orphaned tasks between replicas claiming at the same moment, each task to exactly one', async () => {
    const s = await store(await createDatabase('claims'));
    const tasks = Array.from({ length: 30 }, () => task());
    for (const t of tasks) await s.insert(t);
    const claimers = ['A', 'B', 'C'].map((h) => leases(s, h));
    const claimed = await Promise.all(claimers.map((l) => l.claimOrphans(30, 86_400_000)));
    const all = claimed.flat();
    expect(all.sort()).toEqual(tasks.map((t) => t.id).sort());
    expect(new Set(all).size).toBe(all.length);
    // Nothing is orphaned while its holders live; everything is once they are gone.
    expect(await claimers[0]?.claimOrphans(30, 86_400_000)).toEqual([]);
    await expireAll(s);
    expect((await claimers[1]?.claimOrphans(100, 86_400_000))?.sort()).toEqual(tasks.map((t) => t.id).sort());
  });

  it('leaves final tasks, just-created tasks and tasks waiting for their owner’s credentials alone', async () => {
    const s = await store(await createDatabase('orphans'));
    const l = leases(s, 'A');
    const final = task({ status: TaskStatus.SUCCEEDED });
    const fresh = task({ updatedAt: new Date().toISOString() });
    const waiting = task({ credentialSource: 'request', error: { code: 'CREDENTIALS_REQUIRED', message: 'm' }, createdAt: new Date().toISOString() });
    const expiredWaiting = task({ credentialSource: 'request', error: { code: 'CREDENTIALS_REQUIRED', message: 'm' } });
    const orphan = task();
    // Its replica died with its credentials: someone must claim it, to say it waits for them.
    const orphanWithRequestCredentials = task({ credentialSource: 'request', createdAt: new Date().toISOString() });
    for (const t of [final, fresh, waiting, expiredWaiting, orphan, orphanWithRequestCredentials]) await s.insert(t);
    // Max age one minute: the hour-old waiting task is due to expire, so someone must pick it up.
    expect((await l.claimOrphans(10, 60_000)).sort()).toEqual([expiredWaiting.id, orphan.id, orphanWithRequestCredentials.id].sort());
  });

  it('hands every lease back on close', async () => {
    const s = await store(await createDatabase('close'));
    const a = createPostgresLeases({ pool: s.pool, holder: 'A', ttlMs: 60_000 });
    const b = leases(s, 'B');
    const t = task();
    await s.insert(t);
    expect(await a.hold(t.id)).toBe('acquired');
    await a.close();
    expect(await b.hold(t.id)).toBe('acquired');
  });
});

describe('shared rate budget', () => {
  it('holds two replicas together to the limit per window, counting calls in flight', async () => {
    const s = await store(await createDatabase('budget'));
    const clock = new ManualClock(1_000_000);
    const budgets = [0, 1].map(() => new SharedRateBudget({ pool: s.pool, scope: 'test', limit: 3, windowMs: 1000, clock, maxWaitMs: 10_000 }));
    const granted: Release[] = [];
    const pending = Array.from({ length: 5 }, (_, i) => (budgets[i % 2] as SharedRateBudget).acquire('k').then((r) => granted.push(r)));
    await eventually(() => (granted.length === 3 && clock.pendingSleeps === 2 ? true : undefined));
    // In flight: even a window later, nobody else gets through.
    clock.advance(1000);
    await new Promise((r) => setTimeout(r, 100));
    await eventually(() => (clock.pendingSleeps === 2 ? true : undefined));
    expect(granted).toHaveLength(3);
    for (const r of granted) r();
    await eventually(async () => {
      const { rows } = await s.pool.query('SELECT count(released_at_ms)::int AS n FROM rate_budget_calls');
      return rows[0].n === 3 ? true : undefined;
    });
    clock.advance(999);
    await new Promise((r) => setTimeout(r, 100));
    expect(granted).toHaveLength(3);
    clock.advance(1);
    await Promise.all(pending);
    expect(granted).toHaveLength(5);
  });

  it('refuses at once, sending nothing, a call that would wait longer than it may', async () => {
    const s = await store(await createDatabase('budget_wait'));
    const clock = new ManualClock(0);
    const budget = new SharedRateBudget({ pool: s.pool, scope: 'test', limit: 1, windowMs: 60_000, clock, maxWaitMs: 1000 });
    (await budget.acquire('k'))();
    await eventually(async () => {
      const { rows } = await s.pool.query('SELECT count(released_at_ms)::int AS n FROM rate_budget_calls');
      return rows[0].n === 1 ? true : undefined;
    });
    await expect(budget.acquire('k')).rejects.toBeInstanceOf(RateLimitWaitExceeded);
  });
});

describe('LISTEN/NOTIFY pub/sub', () => {
  async function replica(url: string): Promise<{ store: PostgresTaskStore; pubsub: PostgresPubSub }> {
    const s = await store(url);
    const pubsub = await createPostgresPubSub({ url, pool: s.pool, read: (ids) => s.getMany(ids) });
    cleanups.push(() => pubsub.close());
    return { store: s, pubsub };
  }

  it('hands another replica’s changes to subscribers in order, each version once, read from the store', async () => {
    const url = await createDatabase('pubsub');
    const a = await replica(url);
    const b = await replica(url);
    let t = task();
    await a.store.insert(t);
    const seen: number[] = [];
    const unsubscribe = await b.pubsub.subscribe(t.id, (x) => seen.push(x.version));
    for (let i = 0; i < 5; i++) {
      t = applyChange(t, { progress: { completed: i, total: 5 } });
      await a.store.update(t);
      await a.pubsub.publish(t);
      // A repeated notification changes nothing.
      await a.pubsub.publish(t);
    }
    t = applyChange(t, { status: TaskStatus.SUCCEEDED });
    await a.store.update(t);
    await a.pubsub.publish(t);
    await eventually(() => (seen.at(-1) === t.version ? true : undefined));
    expect(seen).toEqual([...new Set(seen)].sort((x, y) => x - y));
    unsubscribe();
  });

  it('re-reads watched tasks after its connection drops, so a change made meanwhile is not missed', async () => {
    const url = await createDatabase('pubsub_drop');
    const a = await replica(url);
    const b = await replica(url);
    let t = task();
    await a.store.insert(t);
    const seen: CopyTaskRecord[] = [];
    await b.pubsub.subscribe(t.id, (x) => seen.push(x));
    await a.store.pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN copygraph_tasks'");
    // Changed and announced while nobody listens.
    t = applyChange(t, { status: TaskStatus.SUCCEEDED });
    await a.store.update(t);
    await a.store.pool.query("SELECT pg_notify('copygraph_tasks', $1)", [JSON.stringify({ id: t.id, v: t.version })]);
    await eventually(() => (seen.at(-1)?.status === TaskStatus.SUCCEEDED ? true : undefined));
    expect(b.pubsub.reconnects).toBeGreaterThanOrEqual(1);
    expect(seen.map((x) => x.version)).toEqual([t.version]);
  });
});
