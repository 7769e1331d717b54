/**
 * Bulk-copy items in PostgreSQL, the same layout as the SQLite table: a small integer per task
 * (`copy_item_sets`), rows keyed by (set, position), a second index (set, status, position). Bulk writes
 * travel as arrays (`unnest`), a few thousand rows a statement; every read is one query.
 *
 * The tables are created here (`CREATE TABLE IF NOT EXISTS`) until the PostgreSQL store has migrations.
 */
import type pg from 'pg';
import { ITEM_STATUS_CODES, itemStatusOf, type StoredItem, type TaskItemStore } from '../items.ts';

interface Row {
  seq: number;
  status: number;
  item_id: string;
  input: string | null;
  result: string | null;
  error_code: string | null;
  error_message: string | null;
}

function toItem(row: Row): StoredItem {
  return {
    seq: Number(row.seq),
    itemId: row.item_id,
    status: itemStatusOf(Number(row.status)),
    input: row.input,
    result: row.result,
    error: row.error_code ? { code: row.error_code as never, message: row.error_message ?? '' } : null,
    note: row.error_code ? null : row.error_message,
  };
}

const COLUMNS = 'seq, status, item_id, input, result, error_code, error_message';
const SET = '(SELECT id FROM copy_item_sets WHERE task_id = $1)';
const PENDING = ITEM_STATUS_CODES.PENDING;
/** Rows a statement when adding or finishing many items. */
const CHUNK = 5_000;

/** The tables of bulk items (also migration 6 of the task store, which applies them under its lock). */
export const ITEMS_TABLES = `
      CREATE TABLE IF NOT EXISTS copy_item_sets (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, task_id text NOT NULL UNIQUE);
      CREATE TABLE IF NOT EXISTS copy_items (
        set_id integer NOT NULL,
        seq integer NOT NULL,
        status smallint NOT NULL,
        item_id text NOT NULL,
        input text,
        result text,
        error_code text,
        error_message text,
        PRIMARY KEY (set_id, seq)
      );
      CREATE INDEX IF NOT EXISTS copy_items_by_status ON copy_items (set_id, status, seq);
`;

export function createPostgresItemStore(pool: pg.Pool): TaskItemStore & { ready: Promise<void> } {
  const ready = pool.query(ITEMS_TABLES).then(() => undefined);
  // Keep an unhandled rejection from crashing the process; every method awaits `ready` and sees the error.
  ready.catch(() => {});

  const rows = async (sql: string, args: unknown[]): Promise<StoredItem[]> => {
    await ready;
    return (await pool.query<Row>(sql, args)).rows.map(toItem);
  };

  return {
    ready,
    async add(taskId, firstSeq, items) {
      if (items.length === 0) return;
      await ready;
      await pool.query('INSERT INTO copy_item_sets (task_id) VALUES ($1) ON CONFLICT (task_id) DO NOTHING', [taskId]);
      for (let i = 0; i < items.length; i += CHUNK) {
        const chunk = items.slice(i, i + CHUNK);
        await pool.query(
          `INSERT INTO copy_items (set_id, seq, status, item_id, input)
           SELECT ${SET}, t.seq, ${PENDING}, t.item_id, t.input FROM unnest($2::int[], $3::text[], $4::text[]) AS t(seq, item_id, input)
           ON CONFLICT DO NOTHING`,
          [taskId, chunk.map((_, j) => firstSeq + i + j), chunk.map((it) => it.itemId), chunk.map((it) => it.input ?? null)],
        );
      }
    },
    pending: (taskId, limit, fromSeq = 0) =>
      rows(`SELECT ${COLUMNS} FROM copy_items WHERE set_id = ${SET} AND status = ${PENDING} AND seq >= $2 ORDER BY seq LIMIT $3`, [taskId, fromSeq, limit]),
    range: (taskId, fromSeq, toSeq) =>
      rows(`SELECT ${COLUMNS} FROM copy_items WHERE set_id = ${SET} AND seq BETWEEN $2 AND $3 ORDER BY seq`, [taskId, fromSeq, toSeq]),
    async finish(taskId, outcomes) {
      if (outcomes.length === 0) return;
      await ready;
      for (let i = 0; i < outcomes.length; i += CHUNK) {
        const chunk = outcomes.slice(i, i + CHUNK);
        await pool.query(
          `UPDATE copy_items c SET status = t.status, result = t.result, error_code = t.code, error_message = t.message
           FROM unnest($2::int[], $3::smallint[], $4::text[], $5::text[], $6::text[]) AS t(seq, status, result, code, message)
           WHERE c.set_id = ${SET} AND c.seq = t.seq`,
          [
            taskId,
            chunk.map((o) => o.seq),
            chunk.map((o) => ITEM_STATUS_CODES[o.status]),
            chunk.map((o) => o.result ?? null),
            chunk.map((o) => o.error?.code ?? null),
            chunk.map((o) => o.error?.message ?? o.note ?? null),
          ],
        );
      }
    },
    async failPending(taskId, error) {
      await ready;
      const res = await pool.query(
        `UPDATE copy_items SET status = ${ITEM_STATUS_CODES.FAILED}, error_code = $2, error_message = $3 WHERE set_id = ${SET} AND status = ${PENDING}`,
        [taskId, error.code, error.message],
      );
      return res.rowCount ?? 0;
    },
    async page(taskId, first, afterSeq = -1, status) {
      const found =
        status === undefined
          ? await rows(`SELECT ${COLUMNS} FROM copy_items WHERE set_id = ${SET} AND seq > $2 ORDER BY seq LIMIT $3`, [taskId, afterSeq, first + 1])
          : await rows(`SELECT ${COLUMNS} FROM copy_items WHERE set_id = ${SET} AND status = $4 AND seq > $2 ORDER BY seq LIMIT $3`, [
              taskId,
              afterSeq,
              first + 1,
              ITEM_STATUS_CODES[status],
            ]);
      return { items: found.slice(0, first), hasNextPage: found.length > first };
    },
    async counts(taskId) {
      await ready;
      const res = await pool.query<{ status: number; n: string }>(`SELECT status, COUNT(*) AS n FROM copy_items WHERE set_id = ${SET} GROUP BY status`, [
        taskId,
      ]);
      const counts = { pending: 0, succeeded: 0, failed: 0 };
      for (const { status, n } of res.rows) {
        const s = itemStatusOf(Number(status));
        if (s === 'PENDING') counts.pending = Number(n);
        else if (s === 'SUCCEEDED') counts.succeeded = Number(n);
        else counts.failed = Number(n);
      }
      return counts;
    },
    async deleteOrphans(limit) {
      await ready;
      const { rows } = await pool.query<{ id: number }>(
        `WITH gone AS (
           SELECT s.id FROM copy_item_sets s WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = s.task_id) LIMIT $1
         ), items AS (DELETE FROM copy_items WHERE set_id IN (SELECT id FROM gone))
         DELETE FROM copy_item_sets WHERE id IN (SELECT id FROM gone) RETURNING id`,
        [limit],
      );
      return rows.length;
    },
    async size(taskId) {
      await ready;
      const res = await pool.query<{ n: number | null }>(`SELECT MAX(seq) + 1 AS n FROM copy_items WHERE set_id = ${SET}`, [taskId]);
      return Number(res.rows[0]?.n ?? 0);
    },
  };
}
