/**
 * Fairness of the PostgreSQL-shared budget: per replica, round robin between principals and the reserve
 * rule, in front of the shared count, so a newcomer on any replica is not starved by another principal's
 * burst on another replica (or its own).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, type Release, SharedRateBudget } from '../src/core/rate-limiter.ts';
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
const used = async (s: PostgresTaskStore): Promise<number> => (await s.pool.query('SELECT count(*)::int AS n FROM rate_budget_calls')).rows[0]?.['n'] as number;

/** Waits for every release (written asynchronously) to reach the table, so the manual clock can move on. */
const allReleased = (s: PostgresTaskStore) =>
  eventually(async () => {
    const { rows } = await s.pool.query('SELECT count(*) FILTER (WHERE released_at_ms IS NULL)::int AS n FROM rate_budget_calls');
    return rows[0]?.['n'] === 0 ? true : undefined;
  });

/**
 * Moves the manual clock on by 1 ms every 10 ms of real time (by default at most 900 ms, so never into
 * the next 1 s window) until `done`: a look that raced an asynchronous release sleeps a recheck interval on
 * the manual clock, and would otherwise wait for an advance nobody makes (seen under load).
 */
async function tickUntil(clock: ManualClock, done: () => boolean, maxMs = 900): Promise<void> {
  for (let ticks = 0; !done(); ticks++) {
    if (ticks >= maxMs) throw new Error(`not done within ${maxMs} ms of manual time`);
    await new Promise((r) => setTimeout(r, 10));
    clock.advance(1);
  }
}

describe('shared rate budget fairness', () => {
  it("keeps the reserve for B on another replica while A's burst waits, and never exceeds the limit", async () => {
    const s = await store(await createDatabase('budget_fair'));
    const clock = new ManualClock(1_000_000);
    const [r1, r2] = [0, 1].map(
      () => new SharedRateBudget({ pool: s.pool, scope: 'fair', limit: 10, windowMs: 60_000, clock, reserve: 2, maxWaitMs: 1_000_000 }),
    ) as [SharedRateBudget, SharedRateBudget];
    const a: Release[] = [];
    for (let i = 0; i < 20; i++)
      void r1.acquire('k', 'A').then((r) => {
        a.push(r);
        r();
      });
    // 8 and the first reserve slot; the last one is kept (A is over its share, the next drip is 30 s away).
    await eventually(() => (a.length === 9 ? true : undefined));
    await new Promise((r) => setTimeout(r, 200));
    expect(a).toHaveLength(9);
    const b = await r2.acquire('k', 'B');
    b();
    expect(await used(s)).toBe(10);
    // Nothing more in this window, for anyone.
    await new Promise((r) => setTimeout(r, 200));
    expect(a).toHaveLength(9);
  });

  it('serves principals waiting on one replica round robin', async () => {
    const s = await store(await createDatabase('budget_rr'));
    const clock = new ManualClock(1_000_000);
    const budget = new SharedRateBudget({ pool: s.pool, scope: 'rr', limit: 4, windowMs: 1000, clock, maxWaitMs: 1_000_000 });
    const order: string[] = [];
    const all: Promise<unknown>[] = [];
    for (let i = 0; i < 8; i++)
      all.push(
        budget.acquire('k', 'A').then((r) => {
          order.push('A');
          r();
        }),
      );
    await eventually(() => (order.length === 4 ? true : undefined));
    for (let i = 0; i < 2; i++)
      all.push(
        budget.acquire('k', 'B').then((r) => {
          order.push('B');
          r();
        }),
      );
    await new Promise((r) => setTimeout(r, 200));
    await allReleased(s);
    clock.advance(1000);
    await tickUntil(clock, () => order.length === 8);
    // B's two calls are in the next window's first four, not behind A's remaining four.
    expect(order.slice(4, 8).filter((p) => p === 'B')).toHaveLength(2);
    await allReleased(s);
    clock.advance(1000);
    let done = false;
    void Promise.all(all).then(() => {
      done = true;
    });
    await tickUntil(clock, () => done, 3000); // the last two only need to finish: windows may pass
  });
});
