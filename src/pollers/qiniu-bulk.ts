/**
 * Runs a Qiniu bulk copy (`copyObjects`): many pairs, or every object under a prefix, copied in `/batch`
 * requests of at most 1,000 `copy` ops, one batch at a time. Each item's outcome is stored in the item
 * store (`src/tasks/items.ts`); the task itself keeps the plan and counts.
 *
 * What survives a crash, and how a resumed copy never copies an item twice:
 * - By prefix, the listing goes page by page (≤ 1,000 keys); a page's items are stored at fixed
 *   positions (the count listed so far), then the next marker is checkpointed. Listing a page again
 *   after a crash stores nothing new.
 * - Before a batch is sent, its range of positions is checkpointed as `inFlight` (the "submitting"
 *   marker); after its answer, the items' outcomes are stored and `inFlight` is cleared. A resumed copy
 *   that finds `inFlight` stats the sources and destinations of that batch's still-pending items: a
 *   destination that exists with its source's hash counts as copied; only the others are sent again.
 * - A batch whose answer was lost (a timeout or reset after sending: `OUTCOME_UNKNOWN`) or refused with a
 *   retryable error is resolved the same way, by stat, before anything is sent again.
 *
 * One poll works for at most `stepBudgetMs`, then returns so that the watcher can record and pace it.
 */
import { z } from 'zod';
import { MAX_BATCH_OPS, type QiniuClient, type StorageObjectRef } from '../../datasources/qiniu.ts';
import { requireCredentials, type UpstreamCredentials } from '../core/credentials.ts';
import { CopyErrorCode, isUpstreamFailure, Provider } from '../core/errors.ts';
import { type ItemOutcome, ItemStatus, type StoredItem, type TaskItemStore } from '../tasks/items.ts';
import { type CopyTaskRecord, type TaskChange, TaskStatus } from '../tasks/model.ts';
import type { Checkpoint, TaskPoller } from '../tasks/watcher.ts';
import { bulkSummary } from './bulk-summary.ts';

const PrefixPlan = z.object({
  sourceBucket: z.string(),
  sourcePrefix: z.string(),
  destinationBucket: z.string(),
  destinationPrefix: z.string(),
  /** Where the next list page starts (null: the first page, or after the last one when `done`). */
  marker: z.string().nullable(),
  /** Keys listed (and stored as items) so far. */
  listed: z.number().int(),
  done: z.boolean(),
});

const QiniuBulkWatch = z.object({
  kind: z.literal('qiniu-bulk'),
  overwrite: z.boolean(),
  /** Pairs given by the caller (items stored with the task), or a prefix listed as the copy goes. */
  prefix: PrefixPlan.nullable(),
  /** Items known: the pairs, or the keys listed so far. */
  total: z.number().int(),
  /** Positions of a batch sent whose outcome is not stored yet. */
  inFlight: z.object({ from: z.number().int(), to: z.number().int() }).nullable(),
  /** Batches of copy ops sent. */
  batches: z.number().int(),
});
export type QiniuBulkWatch = z.infer<typeof QiniuBulkWatch>;

export function parseQiniuBulkWatch(watch: unknown): QiniuBulkWatch | undefined {
  const parsed = QiniuBulkWatch.safeParse(watch);
  return parsed.success ? parsed.data : undefined;
}

/** The plan of a copy of given pairs (the items are stored separately, in order). */
export function planQiniuPairs(count: number, overwrite: boolean): QiniuBulkWatch {
  return { kind: 'qiniu-bulk', overwrite, prefix: null, total: count, inFlight: null, batches: 0 };
}

export function planQiniuPrefix(
  prefix: { sourceBucket: string; sourcePrefix: string; destinationBucket: string; destinationPrefix: string },
  overwrite: boolean,
): QiniuBulkWatch {
  return { kind: 'qiniu-bulk', overwrite, prefix: { ...prefix, marker: null, listed: 0, done: false }, total: 0, inFlight: null, batches: 0 };
}

/** `bucket:key` (bucket names never hold a colon). */
export function objectId(ref: StorageObjectRef): string {
  return `${ref.bucket}:${ref.key}`;
}

function parseObjectId(id: string): StorageObjectRef {
  const i = id.indexOf(':');
  return { bucket: id.slice(0, i), key: id.slice(i + 1) };
}

/** The source and destination of an item: its input names the destination, or the prefix plan derives it. */
export function qiniuItemPair(state: QiniuBulkWatch, item: Pick<StoredItem, 'itemId' | 'input'>): { source: StorageObjectRef; destination: StorageObjectRef } {
  const source = parseObjectId(item.itemId);
  if (item.input) return { source, destination: parseObjectId(item.input) };
  const p = state.prefix as NonNullable<QiniuBulkWatch['prefix']>;
  return { source, destination: { bucket: p.destinationBucket, key: p.destinationPrefix + source.key.slice(p.sourcePrefix.length) } };
}

const isPending = (i: StoredItem) => i.status === ItemStatus.PENDING;

export class QiniuBulkPoller {
  constructor(
    private readonly client: QiniuClient,
    private readonly items: TaskItemStore,
    /** How long one poll may work before it hands back to the watcher. */
    private readonly stepBudgetMs = 5_000,
  ) {}

  /** Whether this poller runs the task (a Qiniu bulk copy). */
  handles(task: CopyTaskRecord): boolean {
    return parseQiniuBulkWatch(task.watch) !== undefined;
  }

  async poll(task: CopyTaskRecord, credentials: UpstreamCredentials, checkpoint: Checkpoint): Promise<TaskChange | undefined> {
    const parsed = parseQiniuBulkWatch(task.watch);
    if (!parsed) {
      return { status: TaskStatus.FAILED, error: { code: CopyErrorCode.TASK_EXPIRED, message: 'The task lost its copy plan; it cannot be followed.' } };
    }
    const keys = requireCredentials(credentials, 'qiniu');
    const state: QiniuBulkWatch = structuredClone(parsed);
    let current = task;
    const save = async (): Promise<void> => {
      current = await checkpoint(await bulkSummary(this.items, current, state, state.total, false));
    };
    const deadline = Date.now() + this.stepBudgetMs;

    while (Date.now() < deadline) {
      // 1. A batch sent whose outcome is unknown: settle it by stat before anything is sent again.
      if (state.inFlight) {
        const unsettled = (await this.items.range(task.id, state.inFlight.from, state.inFlight.to)).filter(isPending);
        if (unsettled.length > 0) {
          const pairs = unsettled.map((item) => qiniuItemPair(state, item));
          const stats = await this.client.statMany(keys, [...pairs.map((p) => p.source), ...pairs.map((p) => p.destination)]);
          const outcomes: ItemOutcome[] = [];
          unsettled.forEach((item, i) => {
            const src = stats[i];
            const dst = stats[i + pairs.length];
            if (src && dst && !isUpstreamFailure(src) && !isUpstreamFailure(dst) && src.hash === dst.hash)
              outcomes.push({ seq: item.seq, status: ItemStatus.SUCCEEDED });
          });
          await this.items.finish(task.id, outcomes);
        }
        state.inFlight = null;
        await save();
      }

      // 2. By prefix: list the next page while fewer than a batch of items wait.
      const prefix = state.prefix;
      let batch = await this.items.pending(task.id, MAX_BATCH_OPS);
      if (prefix && !prefix.done && batch.length < MAX_BATCH_OPS) {
        const page = await this.client.listPage(keys, prefix.sourceBucket, prefix.sourcePrefix, prefix.marker);
        await this.items.add(
          task.id,
          prefix.listed,
          page.items.map((o) => ({ itemId: objectId({ bucket: prefix.sourceBucket, key: o.key }) })),
        );
        prefix.listed += page.items.length;
        prefix.marker = page.marker;
        prefix.done = page.marker === null;
        state.total = prefix.listed;
        await save();
        continue;
      }
      if (batch.length === 0) break;

      // 3. Send one batch, marked in flight first.
      batch = batch.slice(0, MAX_BATCH_OPS);
      state.inFlight = { from: (batch[0] as StoredItem).seq, to: (batch.at(-1) as StoredItem).seq };
      state.batches += 1;
      await save();
      try {
        const { results } = await this.client.batchCopy(
          keys,
          batch.map((item) => qiniuItemPair(state, item)),
          state.overwrite,
        );
        await this.items.finish(
          task.id,
          batch.map((item, i) => {
            const failure = results[i];
            return failure
              ? { seq: item.seq, status: ItemStatus.FAILED, error: { code: failure.code, message: failure.message } }
              : { seq: item.seq, status: ItemStatus.SUCCEEDED };
          }),
        );
        state.inFlight = null;
        await save();
      } catch (err) {
        if (!isUpstreamFailure(err)) throw err;
        // The answer was lost: the next round settles the batch by stat.
        if (err.code === CopyErrorCode.OUTCOME_UNKNOWN) continue;
        // Throttled or unavailable: the watcher waits; the next poll settles the batch by stat first.
        if (err.retryable) throw err;
        // Refused as a whole (credentials, a bucket that does not exist): nothing was copied, and the
        // same request would be refused again. Every item still pending fails with the reason.
        const error = { code: err.code, message: err.message };
        await this.items.failPending(task.id, error);
        state.inFlight = null;
        const summary = await bulkSummary(this.items, current, state, state.total, true);
        return { ...summary, status: TaskStatus.FAILED, error: { ...error, upstreamCode: err.upstreamCode, logId: err.logId } };
      }
    }

    const finished = !state.inFlight && (!state.prefix || state.prefix.done) && (await this.items.pending(task.id, 1)).length === 0;
    const change = await bulkSummary(this.items, current, state, state.total, finished);
    return change;
  }
}

export const QINIU_BULK_PROVIDER = Provider.QINIU;

/** The watcher's Qiniu poller (Qiniu single copies are synchronous; only bulk copies are followed). */
export function qiniuBulkPoller(client: QiniuClient, items: TaskItemStore, stepBudgetMs?: number): TaskPoller {
  const bulk = new QiniuBulkPoller(client, items, stepBudgetMs);
  return { provider: Provider.QINIU, poll: (task, creds, checkpoint) => bulk.poll(task, creds, checkpoint) };
}
