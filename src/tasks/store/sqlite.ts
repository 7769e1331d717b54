/**
 * The task store: the record of every copy. A mutation writes its task here before it answers, so an
 * upstream task id is never lost; the watcher reads the non-final ones back after a restart.
 *
 * `TaskStore` is the seam where a shared engine can replace the embedded SQLite file when several
 * replicas run behind a load balancer.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Provider } from '../../core/errors.ts';
import { type CopyTaskRecord, isFinalStatus, type TaskStatus } from '../model.ts';

export interface TaskListFilter {
  readonly provider?: Provider | null | undefined;
  readonly status?: readonly TaskStatus[] | null | undefined;
}

export interface TaskPage {
  readonly items: readonly { readonly cursor: string; readonly task: CopyTaskRecord }[];
  readonly hasNextPage: boolean;
}

export interface TaskStore {
  insert(task: CopyTaskRecord): Promise<void>;
  /** Writes a newer version of a task; a stale write (older version) is refused and returns false. */
  update(task: CopyTaskRecord): Promise<boolean>;
  get(id: string): Promise<CopyTaskRecord | undefined>;
  /** The tasks with these ids that exist, in one query (any order; unknown ids are left out). */
  getMany(ids: readonly string[]): Promise<CopyTaskRecord[]>;
  /** One owner's tasks, newest first. */
  list(owner: string, filter: TaskListFilter, first: number, after?: string | undefined): Promise<TaskPage>;
  /**
   * Backward paging: the `last` tasks just newer than the `before` cursor (or the `last` oldest ones
   * without it), still newest first; `hasNextPage` here says whether more newer tasks exist.
   */
  listBefore(owner: string, filter: TaskListFilter, last: number, before?: string | undefined): Promise<TaskPage>;
  /** How many of one owner's tasks match the filter (`CopyTaskConnection.totalCount`). */
  count(owner: string, filter: TaskListFilter): Promise<number>;
  /**
   * How many of one owner's tasks are not final, counted up to `limit` (the quota of copies in
   * progress asks only whether the limit is reached, on every copy: keep it one bounded count).
   */
  countActive(owner: string, limit: number): Promise<number>;
  /** Every task not yet final, oldest first (for the watcher to resume). */
  listActive(): Promise<CopyTaskRecord[]>;
  /**
   * Deletes up to `limit` final tasks that finished before `cutoff`, oldest first, and returns how
   * many it deleted. Rows of other tables that belong to a task (items, idempotency keys) go with it
   * (SQLite: `REFERENCES tasks(id) ON DELETE CASCADE`, foreign keys are on). Safe to call from several
   * replicas at once; `src/tasks/retention.ts` calls it in small batches.
   */
  deleteFinishedBefore(cutoff: Date, limit: number): Promise<number>;
  /** Whether the store answers (for /readyz). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

interface Row {
  seq: number;
  doc: string;
}

const FINAL_STATUSES = "('SUCCEEDED','FAILED','PARTIALLY_SUCCEEDED')";

/** A page cursor: the task's insertion sequence, opaque to clients (both engines use it). */
export function encodeCursor(seq: number | string): string {
  return Buffer.from(`task:${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string): number | undefined {
  const m = /^task:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : undefined;
}

/**
 * The SQLite task store, with its database handle: other tables of the same engine (idempotency
 * keys, bulk items, quotas) live in the same file and use the same handle.
 */
export interface SqliteTaskStore extends TaskStore {
  readonly engine: 'sqlite';
  readonly db: Database.Database;
}

/** SQLite via better-sqlite3. `path` ':memory:' keeps everything in memory (tests). */
export function createSqliteTaskStore(path: string): SqliteTaskStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  // WAL with synchronous = NORMAL: a commit is durable once it returns against a crash of the process
  // (what the crash-window promise needs: the task is in the store before the answer); the WAL is
  // fsynced at each checkpoint, so an OS crash or power loss may lose the last commits, never corrupts.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // Checkpoints off the request path: SQLite's automatic one runs inside whichever commit crosses 1,000
  // WAL pages (copying them and two fsyncs, measured at ~60% of an insert's cost under load). A passive
  // checkpoint once a second instead copies each hot page once, never waits for readers or writers,
  // and keeps the same durability (close() checkpoints the rest).
  const checkpoints = path === ':memory:' ? undefined : setInterval(() => checkpoint(db), CHECKPOINT_INTERVAL_MS);
  if (checkpoints) {
    db.pragma('wal_autocheckpoint = 0');
    checkpoints.unref();
  }
  // Tables that hang off tasks declare ON DELETE CASCADE: retention deletes their rows with the task.
  db.pragma('foreign_keys = ON');
  db.exec(`
    CREATE TABLE IF NOT EXISTS tasks (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      owner TEXT NOT NULL,
      provider TEXT NOT NULL,
      status TEXT NOT NULL,
      version INTEGER NOT NULL,
      doc TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS tasks_owner_seq ON tasks (owner, seq DESC);
    CREATE INDEX IF NOT EXISTS tasks_active ON tasks (status) WHERE status NOT IN ${FINAL_STATUSES};
    CREATE INDEX IF NOT EXISTS tasks_finished_at ON tasks (json_extract(doc, '$.finishedAt')) WHERE status IN ${FINAL_STATUSES};
  `);
  const insertStmt = db.prepare('INSERT INTO tasks (id, owner, provider, status, version, doc) VALUES (?, ?, ?, ?, ?, ?)');
  const updateStmt = db.prepare('UPDATE tasks SET status = ?, version = ?, doc = ? WHERE id = ? AND version < ?');
  const getStmt = db.prepare<[string], Row>('SELECT seq, doc FROM tasks WHERE id = ?');
  // The ids travel as one JSON array: one prepared statement whatever the batch size, no variable limit.
  const getManyStmt = db.prepare<[string], Row>('SELECT seq, doc FROM tasks WHERE id IN (SELECT value FROM json_each(?))');
  const activeStmt = db.prepare<[], Row>(`SELECT seq, doc FROM tasks WHERE status NOT IN ${FINAL_STATUSES} ORDER BY seq`);
  const pingStmt = db.prepare('SELECT 1');
  // The tasks not final, id → owner, and how many each owner has: the quota of copies in progress
  // reads them on every copy. Exact in memory: SQLite is one process and every write of a task's
  // status goes through insert/update here (retention deletes only final tasks).
  const activeOwner = new Map<string, string>();
  const activePerOwner = new Map<string, number>();
  const track = (id: string, owner: string, status: TaskStatus) => {
    const was = activeOwner.get(id);
    if (!isFinalStatus(status)) {
      if (was !== undefined) return;
      activeOwner.set(id, owner);
      activePerOwner.set(owner, (activePerOwner.get(owner) ?? 0) + 1);
    } else if (was !== undefined) {
      activeOwner.delete(id);
      const n = (activePerOwner.get(was) ?? 1) - 1;
      if (n > 0) activePerOwner.set(was, n);
      else activePerOwner.delete(was);
    }
  };
  for (const row of db
    .prepare<[], { id: string; owner: string; status: TaskStatus }>(`SELECT id, owner, status FROM tasks WHERE status NOT IN ${FINAL_STATUSES}`)
    .all()) {
    track(row.id, row.owner, row.status);
  }
  // ISO-8601 UTC timestamps (toISOString) order as strings; the expression matches the partial index.
  const deleteFinishedStmt = db.prepare(
    `DELETE FROM tasks WHERE seq IN (SELECT seq FROM tasks WHERE status IN ${FINAL_STATUSES} AND json_extract(doc, '$.finishedAt') < ? ORDER BY json_extract(doc, '$.finishedAt') LIMIT ?)`,
  );
  // A list query has one of a few shapes (filters present or not, how many statuses): prepare each once.
  const listStatements = new Map<string, Database.Statement<(string | number)[], Row>>();
  const listStatement = (sql: string) => {
    let stmt = listStatements.get(sql);
    if (!stmt) listStatements.set(sql, (stmt = db.prepare<(string | number)[], Row>(sql)));
    return stmt;
  };

  const countStatements = new Map<string, Database.Statement<(string | number)[], { n: number }>>();
  const parse = (row: Row): CopyTaskRecord => JSON.parse(row.doc) as CopyTaskRecord;
  /** The WHERE clause of a list or count: owner first (the index), then the filter. */
  const ownerWhere = (owner: string, filter: TaskListFilter): { where: string[]; args: (string | number)[] } => {
    const where = ['owner = ?'];
    const args: (string | number)[] = [owner];
    if (filter.provider) {
      where.push('provider = ?');
      args.push(filter.provider);
    }
    if (filter.status && filter.status.length > 0) {
      where.push(`status IN (${filter.status.map(() => '?').join(',')})`);
      args.push(...filter.status);
    }
    return { where, args };
  };

  return {
    engine: 'sqlite',
    db,
    async insert(task) {
      insertStmt.run(task.id, task.owner, task.provider, task.status, task.version, JSON.stringify(task));
      track(task.id, task.owner, task.status);
    },
    async update(task) {
      if (updateStmt.run(task.status, task.version, JSON.stringify(task), task.id, task.version).changes !== 1) return false;
      track(task.id, task.owner, task.status);
      return true;
    },
    async get(id) {
      const row = getStmt.get(id);
      return row ? parse(row) : undefined;
    },
    async getMany(ids) {
      if (ids.length === 0) return [];
      return getManyStmt.all(JSON.stringify(ids)).map(parse);
    },
    async list(owner, filter, first, after) {
      const { where, args } = ownerWhere(owner, filter);
      if (after !== undefined) {
        where.push('seq < ?');
        args.push(decodeCursor(after) ?? 0);
      }
      const rows = listStatement(`SELECT seq, doc FROM tasks WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ?`).all(...args, first + 1);
      return {
        items: rows.slice(0, first).map((row) => ({ cursor: encodeCursor(row.seq), task: parse(row) })),
        hasNextPage: rows.length > first,
      };
    },
    async listBefore(owner, filter, last, before) {
      const { where, args } = ownerWhere(owner, filter);
      if (before !== undefined) {
        where.push('seq > ?');
        args.push(decodeCursor(before) ?? 0);
      }
      const rows = listStatement(`SELECT seq, doc FROM tasks WHERE ${where.join(' AND ')} ORDER BY seq ASC LIMIT ?`).all(...args, last + 1);
      return {
        items: rows
          .slice(0, last)
          .reverse()
          .map((row) => ({ cursor: encodeCursor(row.seq), task: parse(row) })),
        hasNextPage: rows.length > last,
      };
    },
    async count(owner, filter) {
      const { where, args } = ownerWhere(owner, filter);
      const sql = `SELECT count(*) AS n FROM tasks WHERE ${where.join(' AND ')}`;
      let stmt = countStatements.get(sql);
      if (!stmt) countStatements.set(sql, (stmt = db.prepare<(string | number)[], { n: number }>(sql)));
      return stmt.get(...args)?.n ?? 0;
    },
    async countActive(owner, limit) {
      return Math.min(limit, activePerOwner.get(owner) ?? 0);
    },
    async listActive() {
      return activeStmt.all().map(parse);
    },
    async deleteFinishedBefore(cutoff, limit) {
      return deleteFinishedStmt.run(cutoff.toISOString(), limit).changes;
    },
    async ping() {
      try {
        pingStmt.get();
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (checkpoints) clearInterval(checkpoints);
      if (db.open) db.close();
    },
  };
}

const CHECKPOINT_INTERVAL_MS = 1_000;

function checkpoint(db: Database.Database): void {
  try {
    if (db.open) db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // SQLITE_BUSY or a closed handle: the next tick tries again; nothing is lost meanwhile (the WAL holds it).
  }
}
