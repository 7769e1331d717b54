/**
 * Idempotency keys in PostgreSQL (the replicas' shared database): one row per (owner, key) under its
 * primary key, so two replicas cannot both claim a key; `INSERT … ON CONFLICT` decides the race.
 *
 * The table is created here (`CREATE TABLE IF NOT EXISTS`, under an advisory lock so that replicas
 * starting together do not trip over each other) until the PostgreSQL task store runs migrations.
 */
import type pg from 'pg';
import type { IdempotencyKeyStore, KeyClaim } from '../idempotency.ts';

interface Row {
  owner: string;
  key: string;
  fingerprint: string;
  task_id: string;
  claimed_at: string;
  expires_at: string;
}

// BIGINT comes back as a string from pg; epoch milliseconds fit a double exactly.
const toClaim = (r: Row): KeyClaim => ({
  owner: r.owner,
  key: r.key,
  fingerprint: r.fingerprint,
  taskId: r.task_id,
  claimedAt: Number(r.claimed_at),
  expiresAt: Number(r.expires_at),
});

/** Any constant: the advisory lock that serialises creating the table. */
const INIT_LOCK = 0x1de3_0001;

/** The table of idempotency keys (also migration 5 of the task store, which applies it under its lock). */
export const IDEMPOTENCY_TABLE = `
      CREATE TABLE IF NOT EXISTS idempotency_keys (
        owner TEXT NOT NULL,
        key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        task_id TEXT NOT NULL,
        claimed_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        PRIMARY KEY (owner, key)
      );
      CREATE INDEX IF NOT EXISTS idempotency_keys_expiry ON idempotency_keys (expires_at);
`;

async function init(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [INIT_LOCK]);
    await client.query(IDEMPOTENCY_TABLE);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

export function createPostgresIdempotencyStore(pool: pg.Pool): IdempotencyKeyStore {
  let ready: Promise<void> | undefined;
  const table = () => {
    ready ??= init(pool).catch((err: unknown) => {
      ready = undefined;
      throw err;
    });
    return ready;
  };

  return {
    async claim(claim, now) {
      await table();
      // Inserts, or replaces an expired claim; a live one is kept and returned by the SELECT below.
      const won = await pool.query<Row>(
        `INSERT INTO idempotency_keys (owner, key, fingerprint, task_id, claimed_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (owner, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, task_id = EXCLUDED.task_id,
           claimed_at = EXCLUDED.claimed_at, expires_at = EXCLUDED.expires_at
         WHERE idempotency_keys.expires_at <= $7
         RETURNING *`,
        [claim.owner, claim.key, claim.fingerprint, claim.taskId, claim.claimedAt, claim.expiresAt, now],
      );
      if (won.rows[0]) return toClaim(won.rows[0]);
      const held = await pool.query<Row>('SELECT * FROM idempotency_keys WHERE owner = $1 AND key = $2', [claim.owner, claim.key]);
      // Released between the two statements: claim again.
      return held.rows[0] ? toClaim(held.rows[0]) : this.claim(claim, now);
    },
    async takeOver(owner, key, stale, next) {
      await table();
      const res = await pool.query(
        'UPDATE idempotency_keys SET task_id = $1, claimed_at = $2, expires_at = $3 WHERE owner = $4 AND key = $5 AND task_id = $6',
        [next.taskId, next.claimedAt, next.expiresAt, owner, key, stale],
      );
      return res.rowCount === 1;
    },
    async release(owner, key, taskId) {
      await table();
      await pool.query('DELETE FROM idempotency_keys WHERE owner = $1 AND key = $2 AND task_id = $3', [owner, key, taskId]);
    },
    async purgeExpired(now) {
      await table();
      return (await pool.query('DELETE FROM idempotency_keys WHERE expires_at <= $1', [now])).rowCount ?? 0;
    },
  };
}
