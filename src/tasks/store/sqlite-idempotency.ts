/**
 * Idempotency keys in the task store's SQLite file (same handle): one row per (owner, key) under its
 * primary key, so two requests in any number of processes sharing the file cannot both claim a key.
 */
import type Database from 'better-sqlite3';
import type { IdempotencyKeyStore, KeyClaim } from '../idempotency.ts';

interface Row {
  owner: string;
  key: string;
  fingerprint: string;
  task_id: string;
  claimed_at: number;
  expires_at: number;
}

const toClaim = (r: Row): KeyClaim => ({
  owner: r.owner,
  key: r.key,
  fingerprint: r.fingerprint,
  taskId: r.task_id,
  claimedAt: r.claimed_at,
  expiresAt: r.expires_at,
});

export function createSqliteIdempotencyStore(db: Database.Database): IdempotencyKeyStore {
  db.exec(`
    CREATE TABLE IF NOT EXISTS idempotency_keys (
      owner TEXT NOT NULL,
      key TEXT NOT NULL,
      fingerprint TEXT NOT NULL,
      task_id TEXT NOT NULL,
      claimed_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      PRIMARY KEY (owner, key)
    );
    CREATE INDEX IF NOT EXISTS idempotency_keys_expiry ON idempotency_keys (expires_at);
  `);
  // One statement: insert, or replace an expired claim; a live one is left as it is.
  const claimStmt = db.prepare(`
    INSERT INTO idempotency_keys (owner, key, fingerprint, task_id, claimed_at, expires_at) VALUES (@owner, @key, @fingerprint, @taskId, @claimedAt, @expiresAt)
    ON CONFLICT (owner, key) DO UPDATE SET fingerprint = excluded.fingerprint, task_id = excluded.task_id, claimed_at = excluded.claimed_at, expires_at = excluded.expires_at
    WHERE idempotency_keys.expires_at <= @now
  `);
  const getStmt = db.prepare<[string, string], Row>('SELECT * FROM idempotency_keys WHERE owner = ? AND key = ?');
  const takeOverStmt = db.prepare(
    'UPDATE idempotency_keys SET task_id = @taskId, claimed_at = @claimedAt, expires_at = @expiresAt WHERE owner = @owner AND key = @key AND task_id = @stale',
  );
  const releaseStmt = db.prepare('DELETE FROM idempotency_keys WHERE owner = ? AND key = ? AND task_id = ?');
  const purgeStmt = db.prepare('DELETE FROM idempotency_keys WHERE expires_at <= ?');
  const claimTx = db.transaction((claim: KeyClaim, now: number): Row | undefined => {
    claimStmt.run({ ...claim, now });
    return getStmt.get(claim.owner, claim.key);
  });

  return {
    async claim(claim, now) {
      const row = claimTx.immediate(claim, now);
      if (!row) throw new Error('idempotency key vanished while it was claimed');
      return toClaim(row);
    },
    async takeOver(owner, key, stale, next) {
      return takeOverStmt.run({ owner, key, stale, ...next }).changes === 1;
    },
    async release(owner, key, taskId) {
      releaseStmt.run(owner, key, taskId);
    },
    async purgeExpired(now) {
      return purgeStmt.run(now).changes;
    },
  };
}
