/**
 * Poll leases in PostgreSQL (table `task_leases`, migration 2). A lease is a row (task id, holder,
 * expiry, in the database's clock so replicas' clocks never matter); its holder renews all its leases
 * every third of the lease time in one statement. Orphaned tasks are claimed with
 * `FOR UPDATE SKIP LOCKED`, so replicas scanning at the same moment split them instead of colliding.
 */
import type pg from 'pg';
import { type LeaseOutcome, newHolderId, type TaskLeases } from '../leases.ts';

export interface PostgresLeasesOptions {
  readonly pool: pg.Pool;
  /** How long a lease lasts without renewal (default 10 s). */
  readonly ttlMs?: number;
  /** This replica's name in the table (default host:pid:random). */
  readonly holder?: string;
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface PostgresLeases extends TaskLeases {
  readonly holder: string;
  readonly ttlMs: number;
}

export const DEFAULT_LEASE_TTL_MS = 10_000;

const FINAL = "('SUCCEEDED','FAILED','PARTIALLY_SUCCEEDED')";

export function createPostgresLeases(options: PostgresLeasesOptions): PostgresLeases {
  const { pool } = options;
  const ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const holder = options.holder ?? newHolderId();
  const log = options.log ?? (() => {});
  const ttl = `${ttlMs} milliseconds`;
  let closed = false;

  const heartbeat = setInterval(
    () => {
      pool
        .query(`UPDATE task_leases SET expires_at = now() + $2::interval WHERE holder = $1 AND expires_at > now()`, [holder, ttl])
        .catch((err: unknown) => log('could not renew poll leases', { err: String(err) }));
    },
    Math.max(50, Math.floor(ttlMs / 3)),
  );
  heartbeat.unref();

  return {
    shared: true,
    holder,
    ttlMs,
    async hold(taskId): Promise<LeaseOutcome> {
      if (closed) return 'held-elsewhere';
      const renewed = await pool.query(`UPDATE task_leases SET expires_at = now() + $3::interval WHERE task_id = $1 AND holder = $2 AND expires_at > now()`, [
        taskId,
        holder,
        ttl,
      ]);
      if (renewed.rowCount === 1) return 'renewed';
      const taken = await pool.query(
        `INSERT INTO task_leases (task_id, holder, expires_at) VALUES ($1, $2, now() + $3::interval)
         ON CONFLICT (task_id) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
         WHERE task_leases.expires_at <= now() OR task_leases.holder = EXCLUDED.holder
         RETURNING task_id`,
        [taskId, holder, ttl],
      );
      return taken.rowCount === 1 ? 'acquired' : 'held-elsewhere';
    },
    async release(taskId) {
      await pool.query('DELETE FROM task_leases WHERE task_id = $1 AND holder = $2', [taskId, holder]);
    },
    async claimOrphans(limit, maxTaskAgeMs) {
      if (closed) return [];
      const { rows } = await pool.query<{ task_id: string }>(
        `WITH candidates AS (
           SELECT t.id FROM tasks t LEFT JOIN task_leases l ON l.task_id = t.id
           WHERE t.status NOT IN ${FINAL}
             AND (l.task_id IS NULL OR l.expires_at <= now())
             -- a task never leased may be in the hands of the replica that just created it
             AND (l.task_id IS NOT NULL OR (t.doc->>'updatedAt')::timestamptz < now() - $3::interval)
             AND (NOT (t.doc->>'credentialSource' = 'request' AND coalesce(t.doc->'error'->>'code', '') = 'CREDENTIALS_REQUIRED')
                  OR (t.doc->>'createdAt')::timestamptz < now() - $4::interval)
           ORDER BY t.seq
           LIMIT $2
           FOR UPDATE OF t SKIP LOCKED
         )
         INSERT INTO task_leases (task_id, holder, expires_at)
         SELECT id, $1, now() + $3::interval FROM candidates
         ON CONFLICT (task_id) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
         WHERE task_leases.expires_at <= now()
         RETURNING task_id`,
        [holder, limit, ttl, `${maxTaskAgeMs} milliseconds`],
      );
      return rows.map((r) => r.task_id);
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      await pool
        .query('DELETE FROM task_leases WHERE holder = $1', [holder])
        .catch((err: unknown) => log('could not release poll leases', { err: String(err) }));
    },
  };
}
