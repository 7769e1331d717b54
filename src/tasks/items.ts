/**
 * The items of a bulk copy: one row per object, node, record or entity, in the order the copy takes
 * them. A bulk task's own record keeps only counts and a capped list of failures; every item's state
 * lives here, so a client can page through 100,000 of them and a resumed copy knows exactly which
 * items are done (an item is `PENDING` until its outcome is known, never copied again once it is not).
 *
 * Rows are compact (a small integer per task, an integer status, the item id, an optional input and
 * result), so 100,000 items cost a few megabytes; a page is one indexed range query.
 */
import type { CopyErrorCode } from '../core/errors.ts';

export const ItemStatus = {
  PENDING: 'PENDING',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
} as const;
export type ItemStatus = (typeof ItemStatus)[keyof typeof ItemStatus];

/** The status as stored (one small integer a row). */
export const ITEM_STATUS_CODES: Readonly<Record<ItemStatus, number>> = { PENDING: 0, SUCCEEDED: 1, FAILED: 2 };
const STATUS_BY_CODE: readonly ItemStatus[] = [ItemStatus.PENDING, ItemStatus.SUCCEEDED, ItemStatus.FAILED];

export function itemStatusOf(code: number): ItemStatus {
  return STATUS_BY_CODE[code] ?? ItemStatus.PENDING;
}

export interface ItemError {
  readonly code: CopyErrorCode;
  readonly message: string;
}

/** One item as clients see it. */
export interface CopyTaskItem {
  /** The item's id upstream (`bucket:key` of a Qiniu source, a wiki node token, a Blue record id, a Coze entity id). */
  readonly itemId: string;
  readonly status: ItemStatus;
  /** The id of the copy, once known. */
  readonly result: string | null;
  readonly error: ItemError | null;
  /** What else is known about a copied item (Blue: why its copy could not be identified). */
  readonly note?: string | null | undefined;
}

/** One item as the store keeps it: its position in the task and what the copy needs to know about it. */
export interface StoredItem extends CopyTaskItem {
  readonly seq: number;
  /** Provider-specific plan of the item (JSON or a plain string), never a credential. */
  readonly input: string | null;
}

export interface NewItem {
  readonly itemId: string;
  readonly input?: string | null | undefined;
}

export interface ItemOutcome {
  readonly seq: number;
  readonly status: ItemStatus;
  readonly result?: string | null | undefined;
  readonly error?: ItemError | null | undefined;
  /** Kept only when there is no error (it shares the error's message column). */
  readonly note?: string | null | undefined;
}

export interface ItemPage {
  readonly items: readonly StoredItem[];
  readonly hasNextPage: boolean;
}

export interface ItemCounts {
  readonly pending: number;
  readonly succeeded: number;
  readonly failed: number;
}

export interface TaskItemStore {
  /**
   * Adds items at positions `firstSeq`, `firstSeq + 1`, …, in one transaction. A position that already
   * exists is left as it is, so adding the same listing page twice (after a crash) changes nothing.
   */
  add(taskId: string, firstSeq: number, items: readonly NewItem[]): Promise<void>;
  /** Up to `limit` pending items in order, from position `fromSeq` on. */
  pending(taskId: string, limit: number, fromSeq?: number): Promise<StoredItem[]>;
  /** The items at positions `fromSeq` to `toSeq` (inclusive), in order. */
  range(taskId: string, fromSeq: number, toSeq: number): Promise<StoredItem[]>;
  /** Records outcomes, in one transaction. */
  finish(taskId: string, outcomes: readonly ItemOutcome[]): Promise<void>;
  /** Fails every pending item with one error (a copy that cannot go on); returns how many. */
  failPending(taskId: string, error: ItemError): Promise<number>;
  /** A page in order, after position `afterSeq`, optionally of one status only. One indexed query. */
  page(taskId: string, first: number, afterSeq?: number, status?: ItemStatus): Promise<ItemPage>;
  counts(taskId: string): Promise<ItemCounts>;
  /** How many positions the task has (the next free `seq`). */
  size(taskId: string): Promise<number>;
  /**
   * Deletes the items of up to `limit` tasks that no longer exist (retention deleted them); returns
   * how many tasks' items it deleted. Needs the tasks table in the same database.
   */
  deleteOrphans(limit: number): Promise<number>;
}

export function encodeItemCursor(seq: number): string {
  return Buffer.from(`item:${seq}`).toString('base64url');
}

export function decodeItemCursor(cursor: string): number | undefined {
  const m = /^item:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : undefined;
}
