/**
 * The PostgreSQL task store: the shared engine when several replicas run behind a load balancer
 * (`COPYGRAPH_DATABASE_URL=postgres://…`). The same contract as the SQLite store: a task is written
 * before the mutation answers, an update writes only a newer version (a stale write is refused), reads
 * are owner-scoped pages newest first by insertion sequence.
 *
 * The schema is versioned (`migrations.ts`) and migrated when the store opens.
 */
import pg from 'pg';
import type { CopyTaskRecord } from '../model.ts';
import { migrate } from './migrations.ts';
import { decodeCursor, encodeCursor, type TaskListFilter, type TaskStore } from './sqlite.ts';

/**
 * The PostgreSQL task store, with its pool: other tables of the same engine (idempotency keys, bulk
 * items, quotas, leases, rate budgets) use the same pool.
 */
export interface PostgresTaskStore extends TaskStore {
  readonly engine: 'postgres';
  readonly pool: pg.Pool;
}

export interface PostgresStoreOptions {
  /** Most connections this replica opens (default 10). */
  readonly maxConnections?: number;
}

interface Row {
  seq: string;
  doc: CopyTaskRecord;
}

const FINAL = "('SUCCEEDED','FAILED','PARTIALLY_SUCCEEDED')";

/** A pool for `url`; errors of idle connections are logged by the caller's handler, never thrown. */
export function createPool(url: string, max = 10, onError: (err: Error) => void = () => {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle client losing its connection (server restart) must not crash the process.
  pool.on('error', onError);
  return pool;
}

/** The WHERE clause of a list or count: owner first (the index), then the filter. */
function ownerWhere(owner: string, filter: TaskListFilter): { where: string[]; args: unknown[] } {
  const where = ['owner = $1'];
  const args: unknown[] = [owner];
  if (filter.provider) {
    args.push(filter.provider);
    where.push(`provider = $${args.length}`);
  }
  if (filter.status && filter.status.length > 0) {
    args.push([...filter.status]);
    where.push(`status = ANY($${args.length}::text[])`);
  }
  return { where, args };
}

/** Opens the store: connects, migrates the schema (under a lock), and resolves once ready. */
export async function createPostgresTaskStore(url: string, options: PostgresStoreOptions = {}): Promise<PostgresTaskStore> {
  const pool = createPool(url, options.maxConnections ?? 10);
  try {
    await migrate(pool);
  } catch (err) {
    await pool.end();
    throw err;
  }
  let closed = false;
  return {
    engine: 'postgres',
    pool,
    async insert(task) {
      await pool.query('INSERT INTO tasks (id, owner, provider, status, version, doc) VALUES ($1, $2, $3, $4, $5, $6)', [
        task.id,
        task.owner,
        task.provider,
        task.status,
        task.version,
        JSON.stringify(task),
      ]);
    },
    async update(task) {
      const res = await pool.query('UPDATE tasks SET status = $1, version = $2, doc = $3 WHERE id = $4 AND version < $2', [
        task.status,
        task.version,
        JSON.stringify(task),
        task.id,
      ]);
      return res.rowCount === 1;
    },
    async countActive(owner, limit) {
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (SELECT 1 FROM tasks WHERE owner = $1 AND status NOT IN ${FINAL} LIMIT $2) AS active`,
        [owner, limit],
      );
      return rows[0]?.n ?? 0;
    },
    async get(id) {
      const { rows } = await pool.query<Row>('SELECT seq, doc FROM tasks WHERE id = $1', [id]);
      return rows[0]?.doc;
    },
    async getMany(ids) {
      if (ids.length === 0) return [];
      const { rows } = await pool.query<Row>('SELECT seq, doc FROM tasks WHERE id = ANY($1::text[])', [[...ids]]);
      return rows.map((r) => r.doc);
    },
    async list(owner, filter, first, after) {
      const { where, args } = ownerWhere(owner, filter);
      if (after !== undefined) {
        args.push(decodeCursor(after) ?? 0);
        where.push(`seq < $${args.length}`);
      }
      args.push(first + 1);
      const { rows } = await pool.query<Row>(`SELECT seq, doc FROM tasks WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT $${args.length}`, args);
      return {
        items: rows.slice(0, first).map((row) => ({ cursor: encodeCursor(row.seq), task: row.doc })),
        hasNextPage: rows.length > first,
      };
    },
    async listBefore(owner, filter, last, before) {
      const { where, args } = ownerWhere(owner, filter);
      if (before !== undefined) {
        args.push(decodeCursor(before) ?? 0);
        where.push(`seq > $${args.length}`);
      }
      args.push(last + 1);
      const { rows } = await pool.query<Row>(`SELECT seq, doc FROM tasks WHERE ${where.join(' AND ')} ORDER BY seq ASC LIMIT $${args.length}`, args);
      return {
        items: rows
          .slice(0, last)
          .reverse()
          .map((row) => ({ cursor: encodeCursor(row.seq), task: row.doc })),
        hasNextPage: rows.length > last,
      };
    },
    async count(owner, filter) {
      const { where, args } = ownerWhere(owner, filter);
      const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM tasks WHERE ${where.join(' AND ')}`, args);
      return Number(rows[0]?.n ?? 0);
    },
    async deleteFinishedBefore(cutoff, limit) {
      // SKIP LOCKED: replicas sweeping at once take different rows; dependent rows cascade.
      const res = await pool.query(
        `WITH d AS (
           SELECT id FROM tasks WHERE status IN ${FINAL} AND doc->>'finishedAt' < $1
           ORDER BY doc->>'finishedAt' LIMIT $2 FOR UPDATE SKIP LOCKED
         )
         DELETE FROM tasks t USING d WHERE t.id = d.id`,
        [cutoff.toISOString(), limit],
      );
      return res.rowCount ?? 0;
    },
    async listActive() {
      const { rows } = await pool.query<Row>(`SELECT seq, doc FROM tasks WHERE status NOT IN ${FINAL} ORDER BY seq`);
      return rows.map((r) => r.doc);
    },
    async ping() {
      try {
        await pool.query('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/** Whether a store is the PostgreSQL one (other tables of the engine then take its pool). */
export function isPostgresStore(store: TaskStore): store is PostgresTaskStore {
  return (store as Partial<PostgresTaskStore>).engine === 'postgres';
}
