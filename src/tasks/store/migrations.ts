/**
 * The PostgreSQL schema, as an ordered list of migrations. Each replica applies the ones its database
 * lacks when it starts, one replica at a time (a session advisory lock), and records each in
 * `schema_migrations`. A database already at a version newer than this list knows (a newer copygraph
 * migrated it) stops the process: an older code must not write rows it does not understand.
 *
 * Rules: never edit or reorder a migration that has shipped; append a new one. Other modules of the
 * same engine (idempotency keys, bulk items, quotas) append theirs here too.
 */
import type pg from 'pg';
import { QUOTA_TABLE } from '../../quotas.ts';
import { CALLBACK_SUBSCRIPTIONS_TABLE } from './postgres-callbacks.ts';
import { IDEMPOTENCY_TABLE } from './postgres-idempotency.ts';
import { ITEMS_TABLES } from './postgres-items.ts';

export interface Migration {
  /** 1, 2, 3…: strictly increasing, no gaps. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const FINAL = "('SUCCEEDED','FAILED','PARTIALLY_SUCCEEDED')";

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'tasks',
    sql: `
      CREATE TABLE tasks (
        seq BIGSERIAL PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        owner TEXT NOT NULL,
        provider TEXT NOT NULL,
        status TEXT NOT NULL,
        version INTEGER NOT NULL,
        doc JSONB NOT NULL
      );
      CREATE INDEX tasks_owner_seq ON tasks (owner, seq DESC);
      CREATE INDEX tasks_active ON tasks (seq) WHERE status NOT IN ${FINAL};
    `,
  },
  {
    version: 2,
    name: 'task poll leases',
    sql: `
      CREATE TABLE task_leases (
        task_id TEXT PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
        holder TEXT NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL
      );
      CREATE INDEX task_leases_holder ON task_leases (holder);
    `,
  },
  {
    version: 3,
    name: 'shared rate budgets',
    sql: `
      CREATE TABLE rate_budget_calls (
        id BIGSERIAL PRIMARY KEY,
        key TEXT NOT NULL,
        started_at_ms BIGINT NOT NULL,
        released_at_ms BIGINT
      );
      CREATE INDEX rate_budget_calls_key ON rate_budget_calls (key, started_at_ms);
    `,
  },
  {
    version: 4,
    name: 'retention of final tasks',
    // ISO-8601 timestamps in UTC compare as text in time order.
    sql: `CREATE INDEX tasks_finished_at ON tasks ((doc->>'finishedAt')) WHERE status IN ${FINAL};`,
  },
  // The tables of the engine's other modules, created here once under the migration lock (replicas
  // starting together raced on their own CREATE TABLE IF NOT EXISTS). The modules keep theirs, as the
  // same statements, for a pool used without the task store (their unit tests). Those statements are
  // `IF NOT EXISTS` and must only ever grow by new migrations, never change.
  {
    version: 5,
    name: 'idempotency keys',
    sql: IDEMPOTENCY_TABLE,
  },
  {
    version: 6,
    name: 'bulk copy items',
    sql: ITEMS_TABLES,
  },
  {
    version: 7,
    name: 'per-key quotas',
    sql: QUOTA_TABLE,
  },
  {
    version: 8,
    name: 'copies in progress per owner',
    // The per-key quota counts a key's tasks not final on every copy: one index range, not a scan.
    sql: `CREATE INDEX tasks_owner_active ON tasks (owner) WHERE status NOT IN ${FINAL};`,
  },
  {
    version: 9,
    name: 'router callback subscriptions',
    sql: CALLBACK_SUBSCRIPTIONS_TABLE,
  },
];

export class SchemaVersionError extends Error {
  override readonly name = 'SchemaVersionError';
}

/** The advisory lock key migrations run under (any constant shared by all replicas). */
const MIGRATION_LOCK = 7_365_001;

/**
 * Brings the database to the latest version this code knows; resolves with the versions it applied.
 * Throws `SchemaVersionError` when the database is newer than the code.
 */
export async function migrate(pool: pg.Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const latest = migrations.at(-1)?.version ?? 0;
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
      const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
      const current = rows[0]?.v ?? 0;
      if (current > latest) {
        throw new SchemaVersionError(
          `The database schema is at version ${current}, newer than this copygraph knows (${latest}). A newer copygraph migrated it; run that version (or newer), not this one.`,
        );
      }
      const applied: number[] = [];
      for (const m of migrations) {
        if (m.version <= current) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
        applied.push(m.version);
      }
      return applied;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}
