/**
 * Retention takes a bulk task's items with it, on both engines: the task store and the item store on
 * one real SQLite file or one real PostgreSQL database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TaskItemStore } from '../src/tasks/items.ts';
import { type CopyTaskRecord, TaskStatus } from '../src/tasks/model.ts';
import { createPostgresTaskStore } from '../src/tasks/store/postgres.ts';
import { createPostgresItemStore } from '../src/tasks/store/postgres-items.ts';
import { createSqliteTaskStore, type TaskStore } from '../src/tasks/store/sqlite.ts';
import { createSqliteItemStore } from '../src/tasks/store/sqlite-items.ts';
import { createDatabase } from './helpers/postgres.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const engines: [string, () => Promise<{ store: TaskStore; items: TaskItemStore }>][] = [
  [
    'sqlite',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'copygraph-retention-'));
      dirs.push(dir);
      const store = createSqliteTaskStore(join(dir, 'tasks.sqlite'));
      return { store, items: createSqliteItemStore(store.db) };
    },
  ],
  [
    'postgres',
    async () => {
      const store = await createPostgresTaskStore(await createDatabase('retention'));
      return { store, items: createPostgresItemStore(store.pool) };
    },
  ],
];

function task(id: string, status: CopyTaskRecord['status'], finishedAt: string | null): CopyTaskRecord {
  return {
    id,
    owner: 'alice',
    provider: 'QINIU',
    status,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    finishedAt,
    upstreamTaskId: null,
    progress: null,
    result: null,
    failures: [],
    error: null,
    credentialSource: 'config',
    watch: null,
    version: 1,
  };
}

describe.each(engines)('retention of bulk items (%s)', (_name, open) => {
  it('deletes the items of deleted tasks and keeps those of the others', async () => {
    const { store, items } = await open();
    try {
      const old = task(`old-${Date.now()}`, TaskStatus.SUCCEEDED, '2026-01-02T00:00:00.000Z');
      const live = task(`live-${Date.now()}`, TaskStatus.RUNNING, null);
      for (const t of [old, live]) await store.insert(t);
      await items.add(old.id, 0, [{ itemId: 'a' }, { itemId: 'b' }]);
      await items.add(live.id, 0, [{ itemId: 'c' }]);
      expect(await items.deleteOrphans(10)).toBe(0);
      expect(await store.deleteFinishedBefore(new Date('2026-02-01T00:00:00.000Z'), 10)).toBe(1);
      expect(await items.deleteOrphans(10)).toBe(1);
      expect((await items.page(old.id, 10)).items).toEqual([]);
      expect((await items.page(live.id, 10)).items.map((i) => i.itemId)).toEqual(['c']);
      expect(await items.deleteOrphans(10)).toBe(0);
    } finally {
      await store.close();
    }
  });
});
