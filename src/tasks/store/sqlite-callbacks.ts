/**
 * Router callback subscriptions in SQLite (one process): the same contract as PostgreSQL, the lease's
 * expiry in milliseconds since the epoch. With one replica the lease only matters across a restart on
 * the same file: the records of a process that stopped are claimed once their leases expire.
 */
import type Database from 'better-sqlite3';
import { type CallbackSubscription, type CallbackSubscriptionStore, parseCallbackSubscription } from '../callback-subscriptions.ts';

export function createSqliteCallbackSubscriptions(db: Database.Database, now: () => number = Date.now): CallbackSubscriptionStore {
  db.exec(`
    CREATE TABLE IF NOT EXISTS callback_subscriptions (
      id TEXT PRIMARY KEY,
      doc TEXT NOT NULL,
      holder TEXT NOT NULL,
      expires_at_ms INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS callback_subscriptions_expiry ON callback_subscriptions (expires_at_ms);
  `);
  const parse = (row: { doc: string } | undefined) => (row ? parseCallbackSubscription(JSON.parse(row.doc)) : undefined);
  const insert = db.prepare('INSERT OR IGNORE INTO callback_subscriptions (id, doc, holder, expires_at_ms) VALUES (?, ?, ?, ?)');
  const getStmt = db.prepare<[string], { doc: string }>('SELECT doc FROM callback_subscriptions WHERE id = ?');
  const renewStmt = db.prepare<[number, string, number], { id: string }>(
    'UPDATE callback_subscriptions SET expires_at_ms = ? WHERE holder = ? AND expires_at_ms > ? RETURNING id',
  );
  const expiredStmt = db.prepare<[number, number], { id: string; doc: string }>(
    'SELECT id, doc FROM callback_subscriptions WHERE expires_at_ms <= ? ORDER BY expires_at_ms LIMIT ?',
  );
  const takeStmt = db.prepare('UPDATE callback_subscriptions SET holder = ?, expires_at_ms = ? WHERE id = ?');
  const releaseStmt = db.prepare('UPDATE callback_subscriptions SET expires_at_ms = ? WHERE id = ? AND holder = ?');
  const deleteStmt = db.prepare('DELETE FROM callback_subscriptions WHERE id = ? AND holder = ?');
  const claim = db.transaction((holder: string, ttlMs: number, limit: number) => {
    const t = now();
    const rows = expiredStmt.all(t, limit);
    for (const r of rows) takeStmt.run(holder, t + ttlMs, r.id);
    return rows;
  });
  return {
    async save(record, holder, ttlMs) {
      return insert.run(record.id, JSON.stringify(record), holder, now() + ttlMs).changes === 1;
    },
    async get(id) {
      return parse(getStmt.get(id));
    },
    async renew(holder, ttlMs) {
      const t = now();
      return renewStmt.all(t + ttlMs, holder, t).map((r) => r.id);
    },
    async claimExpired(holder, ttlMs, limit) {
      return claim(holder, ttlMs, limit)
        .map((r) => parse(r))
        .filter((r): r is CallbackSubscription => r !== undefined);
    },
    async release(id, holder) {
      releaseStmt.run(now(), id, holder);
    },
    async delete(id, holder) {
      return deleteStmt.run(id, holder).changes === 1;
    },
  };
}
