/**
 * Retention on the SQLite store: final tasks that finished more than COPYGRAPH_TASK_RETENTION_DAYS
 * ago are deleted in small batches, with the rows that hang off them (ON DELETE CASCADE); tasks
 * still running, however old, and recent final tasks stay.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { registry } from '../src/core/metrics.ts';
import type { CopyTaskRecord } from '../src/tasks/model.ts';
import { startRetention } from '../src/tasks/retention.ts';
import { createSqliteTaskStore, type SqliteTaskStore } from '../src/tasks/store/sqlite.ts';
import { parsePrometheusText, sampleSum } from './helpers/prom.ts';
import { ALICE, eventually, startStack } from './helpers/stack.ts';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T00:00:00Z');
let n = 0;

function task(status: CopyTaskRecord['status'], finishedDaysAgo: number | null, createdDaysAgo = finishedDaysAgo ?? 40): CopyTaskRecord {
  const created = new Date(NOW - createdDaysAgo * DAY).toISOString();
  return {
    id: `task-${n++}`,
    owner: 'alice',
    provider: 'QINIU',
    status,
    createdAt: created,
    updatedAt: created,
    finishedAt: finishedDaysAgo === null ? null : new Date(NOW - finishedDaysAgo * DAY).toISOString(),
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

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function tempStore(): SqliteTaskStore {
  const dir = mkdtempSync(join(tmpdir(), 'copygraph-retention-'));
  const store = createSqliteTaskStore(join(dir, 'tasks.sqlite'));
  cleanups.push(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return store;
}

const count = (store: SqliteTaskStore, sql: string) => (store.db.prepare(sql).get() as { n: number }).n;

describe('retention', () => {
  it('deletes old final tasks in batches, with their dependent rows, and keeps running and recent ones', async () => {
    const store = tempStore();
    // A table of a later feature (bulk items) hanging off tasks, as such tables must: ON DELETE CASCADE.
    store.db.exec('CREATE TABLE task_items (task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE, n INTEGER NOT NULL)');
    const addItem = store.db.prepare('INSERT INTO task_items (task_id, n) VALUES (?, ?)');
    const old = [...Array.from({ length: 1100 }, (_, i) => task(i % 3 === 0 ? 'FAILED' : i % 3 === 1 ? 'SUCCEEDED' : 'PARTIALLY_SUCCEEDED', 31 + (i % 50)))];
    const keep = [task('SUCCEEDED', 29), task('RUNNING', null, 90), task('QUEUED', null, 45), task('FAILED', 1, 60)];
    for (const t of [...old, ...keep]) await store.insert(t);
    for (const t of [old[0], old[1], keep[0], keep[1]] as CopyTaskRecord[]) addItem.run(t.id, 1);

    const deletedBefore = sampleSum(parsePrometheusText(await registry.metrics()), 'copygraph_tasks_deleted_total');
    const retention = startRetention(store, { maxAgeMs: 30 * DAY, intervalMs: 3_600_000, batchSize: 400, maxBatchesPerSweep: 2, now: () => NOW });
    cleanups.push(() => retention.stop());

    expect(await retention.sweep()).toBe(800); // two batches of 400; the rest waits for the next sweep
    expect(count(store, 'SELECT count(*) AS n FROM tasks')).toBe(1100 - 800 + keep.length);
    expect(await retention.sweep()).toBe(300);
    expect(await retention.sweep()).toBe(0);

    expect((await store.getMany([...old, ...keep].map((t) => t.id))).map((t) => t.id).sort()).toEqual(keep.map((t) => t.id).sort());
    expect((await store.listActive()).map((t) => t.id).sort()).toEqual([keep[1]?.id, keep[2]?.id].sort());
    // Items of deleted tasks went with them; the kept tasks' items stayed.
    expect((store.db.prepare('SELECT task_id FROM task_items ORDER BY task_id').all() as { task_id: string }[]).map((r) => r.task_id).sort()).toEqual(
      [keep[0]?.id, keep[1]?.id].sort(),
    );
    expect(sampleSum(parsePrometheusText(await registry.metrics()), 'copygraph_tasks_deleted_total') - deletedBefore).toBe(1100);
  });

  it('deletes oldest first within a batch', async () => {
    const store = tempStore();
    const a = task('SUCCEEDED', 100);
    const b = task('SUCCEEDED', 40);
    const c = task('SUCCEEDED', 70);
    for (const t of [a, b, c]) await store.insert(t);
    expect(await store.deleteFinishedBefore(new Date(NOW - 30 * DAY), 2)).toBe(2);
    expect((await store.getMany([a.id, b.id, c.id])).map((t) => t.id)).toEqual([b.id]);
  });

  it('runs in the app on its interval (COPYGRAPH_TASK_RETENTION_DAYS) and the deleted task is gone from the API', async () => {
    expect(loadConfig({ COPYGRAPH_DEMO: 'true' }).retention.maxAgeMs).toBe(30 * DAY);
    const stack = await startStack({ env: { COPYGRAPH_TASK_RETENTION_DAYS: '2', COPYGRAPH_RETENTION_INTERVAL_S: '1' } });
    cleanups.push(() => stack.close());
    const realNow = Date.now();
    const expired = { ...task('SUCCEEDED', null), finishedAt: new Date(realNow - 3 * DAY).toISOString(), createdAt: new Date(realNow - 3 * DAY).toISOString() };
    const recent = { ...task('SUCCEEDED', null), finishedAt: new Date(realNow - 1 * DAY).toISOString(), createdAt: new Date(realNow - 1 * DAY).toISOString() };
    await stack.app.services.store.insert(expired);
    await stack.app.services.store.insert(recent);
    const query = 'query ($id: ID!) { copyTask(id: $id) { id } }';
    // The sweep runs every second and may already have run: the expired task is checked in the store at
    // once, and the recent one (same owner, same shape) proves the API shows such a task.
    expect(await stack.app.services.store.get(expired.id)).toBeDefined();
    expect(expired.owner).toBe(recent.owner);
    expect((await stack.data(query, { id: recent.id }, { key: ALICE })).copyTask).toEqual({ id: recent.id });
    await eventually(async () => ((await stack.data(query, { id: expired.id })).copyTask === null ? true : undefined), 5_000);
    expect((await stack.data(query, { id: recent.id })).copyTask).toEqual({ id: recent.id });
  });
});
