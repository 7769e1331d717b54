/**
 * Bulk-copy items in the task store's SQLite file. A task's items share one small integer (`set_id`)
 * instead of repeating its 36-character id; rows are `WITHOUT ROWID`, keyed by (set, position); a
 * second index (set, status, position) serves the pending items and the pages filtered by status.
 */
import type Database from 'better-sqlite3';
import { type ItemStatus, ITEM_STATUS_CODES, itemStatusOf, type StoredItem, type TaskItemStore } from '../items.ts';

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
    seq: row.seq,
    itemId: row.item_id,
    status: itemStatusOf(row.status),
    input: row.input,
    result: row.result,
    error: row.error_code ? { code: row.error_code as never, message: row.error_message ?? '' } : null,
    note: row.error_code ? null : row.error_message,
  };
}

const COLUMNS = 'seq, status, item_id, input, result, error_code, error_message';
const PENDING = ITEM_STATUS_CODES.PENDING;

export function createSqliteItemStore(db: Database.Database): TaskItemStore {
  db.exec(`
    CREATE TABLE IF NOT EXISTS copy_item_sets (id INTEGER PRIMARY KEY, task_id TEXT NOT NULL UNIQUE);
    CREATE TABLE IF NOT EXISTS copy_items (
      set_id INTEGER NOT NULL,
      seq INTEGER NOT NULL,
      status INTEGER NOT NULL,
      item_id TEXT NOT NULL,
      input TEXT,
      result TEXT,
      error_code TEXT,
      error_message TEXT,
      PRIMARY KEY (set_id, seq)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS copy_items_by_status ON copy_items (set_id, status, seq);
  `);
  const findSet = db.prepare<[string], { id: number }>('SELECT id FROM copy_item_sets WHERE task_id = ?');
  const insertSet = db.prepare('INSERT OR IGNORE INTO copy_item_sets (task_id) VALUES (?)');
  const insertItem = db.prepare('INSERT OR IGNORE INTO copy_items (set_id, seq, status, item_id, input) VALUES (?, ?, ?, ?, ?)');
  const pendingStmt = db.prepare<[number, number, number, number], Row>(
    `SELECT ${COLUMNS} FROM copy_items WHERE set_id = ? AND status = ? AND seq >= ? ORDER BY seq LIMIT ?`,
  );
  const rangeStmt = db.prepare<[number, number, number], Row>(`SELECT ${COLUMNS} FROM copy_items WHERE set_id = ? AND seq BETWEEN ? AND ? ORDER BY seq`);
  const finishStmt = db.prepare('UPDATE copy_items SET status = ?, result = ?, error_code = ?, error_message = ? WHERE set_id = ? AND seq = ?');
  const failPendingStmt = db.prepare('UPDATE copy_items SET status = ?, error_code = ?, error_message = ? WHERE set_id = ? AND status = ?');
  // A page is one query: the task's set is looked up inside it.
  const SET = '(SELECT id FROM copy_item_sets WHERE task_id = ?)';
  const pageStmt = db.prepare<[string, number, number], Row>(`SELECT ${COLUMNS} FROM copy_items WHERE set_id = ${SET} AND seq > ? ORDER BY seq LIMIT ?`);
  const pageByStatusStmt = db.prepare<[string, number, number, number], Row>(
    `SELECT ${COLUMNS} FROM copy_items WHERE set_id = ${SET} AND status = ? AND seq > ? ORDER BY seq LIMIT ?`,
  );
  const countsStmt = db.prepare<[number], { status: number; n: number }>('SELECT status, COUNT(*) AS n FROM copy_items WHERE set_id = ? GROUP BY status');
  const sizeStmt = db.prepare<[number], { n: number | null }>('SELECT MAX(seq) + 1 AS n FROM copy_items WHERE set_id = ?');

  const setOf = (taskId: string): number | undefined => findSet.get(taskId)?.id;
  const ensureSet = (taskId: string): number => {
    insertSet.run(taskId);
    return setOf(taskId) as number;
  };
  const addAll = db.transaction((taskId: string, firstSeq: number, items: readonly { itemId: string; input?: string | null | undefined }[]) => {
    const set = ensureSet(taskId);
    items.forEach((item, i) => {
      insertItem.run(set, firstSeq + i, PENDING, item.itemId, item.input ?? null);
    });
  });
  const finishAll = db.transaction(
    (
      set: number,
      outcomes: readonly {
        seq: number;
        status: ItemStatus;
        result?: string | null | undefined;
        error?: { code: string; message: string } | null | undefined;
        note?: string | null | undefined;
      }[],
    ) => {
      for (const o of outcomes)
        finishStmt.run(ITEM_STATUS_CODES[o.status], o.result ?? null, o.error?.code ?? null, o.error?.message ?? o.note ?? null, set, o.seq);
    },
  );

  // Prepared on first use: it reads the tasks table, which the item store alone does not need.
  let deleteOrphans: ((limit: number) => number) | undefined;
  const orphanDeleter = (): ((limit: number) => number) => {
    if (deleteOrphans) return deleteOrphans;
    const orphanSets = db.prepare<[number], { id: number }>(
      'SELECT s.id FROM copy_item_sets s WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = s.task_id) LIMIT ?',
    );
    const deleteSetItems = db.prepare('DELETE FROM copy_items WHERE set_id = ?');
    const deleteSet = db.prepare('DELETE FROM copy_item_sets WHERE id = ?');
    deleteOrphans = db.transaction((limit: number): number => {
      const sets = orphanSets.all(limit);
      for (const { id } of sets) {
        deleteSetItems.run(id);
        deleteSet.run(id);
      }
      return sets.length;
    });
    return deleteOrphans;
  };

  return {
    async add(taskId, firstSeq, items) {
      if (items.length > 0) addAll(taskId, firstSeq, items);
    },
    async deleteOrphans(limit) {
      return orphanDeleter()(limit);
    },
    async pending(taskId, limit, fromSeq = 0) {
      const set = setOf(taskId);
      return set === undefined ? [] : pendingStmt.all(set, PENDING, fromSeq, limit).map(toItem);
    },
    async range(taskId, fromSeq, toSeq) {
      const set = setOf(taskId);
      return set === undefined ? [] : rangeStmt.all(set, fromSeq, toSeq).map(toItem);
    },
    async finish(taskId, outcomes) {
      const set = setOf(taskId);
      if (set !== undefined && outcomes.length > 0) finishAll(set, outcomes);
    },
    async failPending(taskId, error) {
      const set = setOf(taskId);
      if (set === undefined) return 0;
      return failPendingStmt.run(ITEM_STATUS_CODES.FAILED, error.code, error.message, set, PENDING).changes;
    },
    async page(taskId, first, afterSeq = -1, status) {
      const rows =
        status === undefined ? pageStmt.all(taskId, afterSeq, first + 1) : pageByStatusStmt.all(taskId, ITEM_STATUS_CODES[status], afterSeq, first + 1);
      return { items: rows.slice(0, first).map(toItem), hasNextPage: rows.length > first };
    },
    async counts(taskId) {
      const set = setOf(taskId);
      const counts = { pending: 0, succeeded: 0, failed: 0 };
      if (set === undefined) return counts;
      for (const { status, n } of countsStmt.all(set)) {
        const s = itemStatusOf(status);
        if (s === 'PENDING') counts.pending = n;
        else if (s === 'SUCCEEDED') counts.succeeded = n;
        else counts.failed = n;
      }
      return counts;
    },
    async size(taskId) {
      const set = setOf(taskId);
      return set === undefined ? 0 : (sizeStmt.get(set)?.n ?? 0);
    },
  };
}
