/**
 * Router callback subscriptions in PostgreSQL (table `callback_subscriptions`, migration 9), with their
 * lease (holder, expiry in the database's clock). Expired leases are claimed `FOR UPDATE SKIP LOCKED`,
 * so replicas scanning together split the records instead of colliding.
 */
import type pg from 'pg';
import { type CallbackSubscription, type CallbackSubscriptionStore, parseCallbackSubscription } from '../callback-subscriptions.ts';

export const CALLBACK_SUBSCRIPTIONS_TABLE = `
  CREATE TABLE IF NOT EXISTS callback_subscriptions (
    id TEXT PRIMARY KEY,
    doc JSONB NOT NULL,
    holder TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
  );
  CREATE INDEX IF NOT EXISTS callback_subscriptions_expiry ON callback_subscriptions (expires_at);
`;

const ms = (n: number) => `${n} milliseconds`;

export function createPostgresCallbackSubscriptions(pool: pg.Pool): CallbackSubscriptionStore {
  const docs = (rows: { doc: unknown }[]) => rows.map((r) => parseCallbackSubscription(r.doc)).filter((r): r is CallbackSubscription => r !== undefined);
  return {
    async save(record, holder, ttlMs) {
      const res = await pool.query(
        'INSERT INTO callback_subscriptions (id, doc, holder, expires_at) VALUES ($1, $2, $3, now() + $4::interval) ON CONFLICT (id) DO NOTHING',
        [record.id, JSON.stringify(record), holder, ms(ttlMs)],
      );
      return res.rowCount === 1;
    },
    async get(id) {
      const { rows } = await pool.query<{ doc: unknown }>('SELECT doc FROM callback_subscriptions WHERE id = $1', [id]);
      return docs(rows)[0];
    },
    async renew(holder, ttlMs) {
      const { rows } = await pool.query<{ id: string }>(
        'UPDATE callback_subscriptions SET expires_at = now() + $2::interval WHERE holder = $1 AND expires_at > now() RETURNING id',
        [holder, ms(ttlMs)],
      );
      return rows.map((r) => r.id);
    },
    async claimExpired(holder, ttlMs, limit) {
      const { rows } = await pool.query<{ doc: unknown }>(
        `WITH expired AS (
           SELECT id FROM callback_subscriptions WHERE expires_at <= now() ORDER BY expires_at LIMIT $3 FOR UPDATE SKIP LOCKED
         )
         UPDATE callback_subscriptions c SET holder = $1, expires_at = now() + $2::interval FROM expired WHERE c.id = expired.id RETURNING c.doc`,
        [holder, ms(ttlMs), limit],
      );
      return docs(rows);
    },
    async release(id, holder) {
      await pool.query('UPDATE callback_subscriptions SET expires_at = now() WHERE id = $1 AND holder = $2', [id, holder]);
    },
    async delete(id, holder) {
      const res = await pool.query('DELETE FROM callback_subscriptions WHERE id = $1 AND holder = $2', [id, holder]);
      return res.rowCount === 1;
    },
  };
}
