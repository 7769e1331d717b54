/**
 * Runs a Feishu wiki tree copy (`copyWikiTree`): a node and its descendants, breadth first, each copied
 * under the copy of its parent (Feishu's copy API copies one node, never its children). Every node is an
 * item (`itemId` = source node token, `result` = the copy's token); its input keeps the position of its
 * parent's item, its depth, and what identifies its copy (title, type).
 *
 * Order and checkpoints (`watch`): items are handled in position order, so a parent is always copied
 * before its children. For the item at `listedThrough`: if pending, its position is checkpointed as
 * `inFlight`, the copy is sent, the outcome stored; then its children are listed (all pages) and stored
 * at positions `nextSeq…`, and only then `nextSeq` and `listedThrough` advance. A crash while listing
 * stores the same children at the same positions again (no duplicates).
 *
 * A copy whose answer was lost (a crash or a timeout after sending) is settled before anything is sent
 * again: the target parent's children are listed; one node with the source's title and type that is not
 * already the copy of another item is that copy; none means the copy did not happen and it is sent again;
 * several means copygraph cannot tell, and the item fails `OUTCOME_UNKNOWN` (never a duplicate).
 *
 * Every call goes through the Feishu client's limiter (100 calls a minute per API and identity).
 */
import { z } from 'zod';
import type { FeishuWikiClient } from '../../datasources/feishu-wiki.ts';
import { type FeishuCredentials, requireCredentials, type UpstreamCredentials } from '../core/credentials.ts';
import { CopyErrorCode, isUpstreamFailure, Provider } from '../core/errors.ts';
import { type ItemError, ItemStatus, type StoredItem, type TaskItemStore } from '../tasks/items.ts';
import { type CopyTaskRecord, type TaskChange, TaskStatus } from '../tasks/model.ts';
import type { Checkpoint, TaskPoller } from '../tasks/watcher.ts';
import { bulkSummary } from './bulk-summary.ts';

/** Feishu's documented limits (131003 "out of limit"). */
export const FEISHU_MAX_DEPTH = 50;
export const FEISHU_MAX_CHILDREN = 2000;

const FeishuTreeWatch = z.object({
  kind: z.literal('feishu-tree'),
  spaceId: z.string(),
  nodeToken: z.string(),
  /** Where the top copy goes: under this parent (null: the top level of `targetSpaceId`). */
  targetParentToken: z.string().nullable(),
  /** The space the copies land in. */
  targetSpaceId: z.string(),
  /** A new title for the top copy only (null keeps it). */
  title: z.string().nullable(),
  /** Levels below the top node to copy (0: the node alone). */
  maxDepth: z.number().int(),
  nextSeq: z.number().int(),
  listedThrough: z.number().int(),
  inFlight: z.number().int().nullable(),
  /** The copy of the top node as Feishu answered it (the task's result). */
  top: z.record(z.string(), z.unknown()).nullish(),
});
export type FeishuTreeWatch = z.infer<typeof FeishuTreeWatch>;

/** What an item needs: its parent's item position (-1 for the top), its depth, and how its copy looks. */
const NodeInput = z.object({ p: z.number().int(), d: z.number().int(), c: z.boolean(), t: z.string(), o: z.string().nullable() });
type NodeInput = z.infer<typeof NodeInput>;

export function parseFeishuTreeWatch(watch: unknown): FeishuTreeWatch | undefined {
  const parsed = FeishuTreeWatch.safeParse(watch);
  return parsed.success ? parsed.data : undefined;
}

export function planFeishuTree(p: Omit<FeishuTreeWatch, 'kind' | 'nextSeq' | 'listedThrough' | 'inFlight'>): FeishuTreeWatch {
  return { kind: 'feishu-tree', ...p, nextSeq: 1, listedThrough: 0, inFlight: null };
}

export function nodeInput(parentSeq: number, depth: number, node: { hasChild: boolean; title: string; objType: string | null }): string {
  const input: NodeInput = { p: parentSeq, d: depth, c: node.hasChild, t: node.title, o: node.objType };
  return JSON.stringify(input);
}

function inputOf(item: StoredItem): NodeInput {
  return NodeInput.parse(JSON.parse(item.input ?? '{}'));
}

const LIMIT_MESSAGE = `Feishu refused the copy (131003 out of limit): a wiki tree is at most ${FEISHU_MAX_DEPTH} levels deep, a parent has at most ${FEISHU_MAX_CHILDREN} children and a space at most 400,000 nodes.`;

function itemError(err: { code: CopyErrorCode; message: string; upstreamCode?: string | undefined }): ItemError {
  if (err.code === CopyErrorCode.LIMIT_EXCEEDED || err.upstreamCode === '131003') return { code: CopyErrorCode.LIMIT_EXCEEDED, message: LIMIT_MESSAGE };
  return { code: err.code, message: err.message };
}

export class FeishuTreePoller {
  constructor(
    private readonly client: FeishuWikiClient,
    private readonly items: TaskItemStore,
    private readonly stepBudgetMs = 5_000,
  ) {}

  async poll(task: CopyTaskRecord, credentials: UpstreamCredentials, checkpoint: Checkpoint): Promise<TaskChange | undefined> {
    const parsed = parseFeishuTreeWatch(task.watch);
    if (!parsed) {
      return { status: TaskStatus.FAILED, error: { code: CopyErrorCode.TASK_EXPIRED, message: 'The task lost its copy plan; it cannot be followed.' } };
    }
    const creds = requireCredentials(credentials, 'feishu');
    const state: FeishuTreeWatch = structuredClone(parsed);
    let current = task;
    const save = async (): Promise<void> => {
      current = await checkpoint(await bulkSummary(this.items, current, state, state.nextSeq, false));
    };
    const itemAt = async (seq: number): Promise<StoredItem | undefined> => (await this.items.range(task.id, seq, seq))[0];
    const targetOf = async (input: NodeInput): Promise<string | undefined> => {
      if (input.p < 0) return state.targetParentToken ?? undefined;
      return (await itemAt(input.p))?.result ?? undefined;
    };
    const deadline = Date.now() + this.stepBudgetMs;

    while (Date.now() < deadline && state.listedThrough < state.nextSeq) {
      const seq = state.listedThrough;
      let item = await itemAt(seq);
      if (!item) {
        // Positions are stored before they are counted; a gap means the store lost items.
        throw new Error(`tree copy ${task.id}: no item at position ${seq}`);
      }
      const input = inputOf(item);

      if (state.inFlight === seq && item.status === ItemStatus.PENDING) {
        const settled = await this.#settle(creds, task.owner, task.id, state, item, input, await targetOf(input));
        state.inFlight = null;
        await save();
        if (!settled) continue;
        item = (await itemAt(seq)) as StoredItem;
      }

      if (item.status === ItemStatus.PENDING) {
        const parent = input.p < 0 ? undefined : await itemAt(input.p);
        if (parent && parent.status !== ItemStatus.SUCCEEDED) {
          await this.items.finish(task.id, [
            {
              seq,
              status: ItemStatus.FAILED,
              error: { code: CopyErrorCode.UPSTREAM_ERROR, message: `Not copied: its parent node ${parent.itemId} was not copied.` },
            },
          ]);
        } else {
          state.inFlight = seq;
          await save();
          try {
            const copy = await this.client.copyNode(
              creds,
              {
                spaceId: state.spaceId,
                nodeToken: item.itemId,
                targetParentToken: parent ? (parent.result ?? undefined) : (state.targetParentToken ?? undefined),
                targetSpaceId: state.targetSpaceId,
                title: input.p < 0 ? (state.title ?? undefined) : undefined,
              },
              task.owner,
            );
            await this.items.finish(task.id, [{ seq, status: ItemStatus.SUCCEEDED, result: copy.nodeToken }]);
            if (seq === 0) state.top = { ...copy };
            state.inFlight = null;
          } catch (err) {
            if (!isUpstreamFailure(err)) throw err;
            // Lost answer: settled by listing the target on the next round.
            if (err.code === CopyErrorCode.OUTCOME_UNKNOWN) continue;
            state.inFlight = null;
            if (err.retryable) {
              await save();
              throw err;
            }
            await this.items.finish(task.id, [{ seq, status: ItemStatus.FAILED, error: itemError(err) }]);
          }
        }
        item = (await itemAt(seq)) as StoredItem;
      }

      // Children of a copied node, within maxDepth: stored at fixed positions, then counted.
      if (item.status === ItemStatus.SUCCEEDED && input.c && input.d < state.maxDepth) {
        const { nodes: children } = await this.client.listChildren(creds, state.spaceId, item.itemId, task.owner);
        await this.items.add(
          task.id,
          state.nextSeq,
          children.map((child) => ({ itemId: child.nodeToken, input: nodeInput(seq, input.d + 1, child) })),
        );
        state.nextSeq += children.length;
      }
      state.listedThrough = seq + 1;
      await save();
    }

    const finished = state.listedThrough >= state.nextSeq && state.inFlight === null;
    const change = await bulkSummary(this.items, current, state, state.nextSeq, finished);
    if (finished) {
      const top = await itemAt(0);
      if (top?.status === ItemStatus.FAILED && top.error) return { ...change, status: TaskStatus.FAILED, error: top.error };
      if (state.top) return { ...change, result: { __typename: 'WikiNode', ...state.top } };
    }
    return change;
  }

  /** Finds the copy of an item whose copy answer was lost; returns true when the item is settled. */
  async #settle(
    creds: FeishuCredentials,
    owner: string,
    taskId: string,
    state: FeishuTreeWatch,
    item: StoredItem,
    input: NodeInput,
    target: string | undefined,
  ): Promise<boolean> {
    const title = input.p < 0 && state.title !== null ? state.title : input.t;
    const { nodes: siblings } = await this.client.listChildren(creds, state.targetSpaceId, target, owner);
    const known = new Set<string>();
    for (let after = -1; ; ) {
      const page = await this.items.page(taskId, 1000, after, ItemStatus.SUCCEEDED);
      for (const i of page.items) if (i.result) known.add(i.result);
      if (!page.hasNextPage) break;
      after = page.items.at(-1)?.seq ?? after;
    }
    const candidates = siblings.filter((n) => n.title === title && n.objType === input.o && !known.has(n.nodeToken));
    if (candidates.length === 0) return false;
    if (candidates.length === 1) {
      await this.items.finish(taskId, [{ seq: item.seq, status: ItemStatus.SUCCEEDED, result: (candidates[0] as { nodeToken: string }).nodeToken }]);
      return true;
    }
    await this.items.finish(taskId, [
      {
        seq: item.seq,
        status: ItemStatus.FAILED,
        error: {
          code: CopyErrorCode.OUTCOME_UNKNOWN,
          message: `The copy's answer was lost and ${candidates.length} nodes titled "${title}" under the target could be its copy; copygraph did not copy it again. Check the target.`,
        },
      },
    ]);
    return true;
  }
}

/** The watcher's Feishu poller (single node copies are synchronous; only tree copies are followed). */
export function feishuTreePoller(client: FeishuWikiClient, items: TaskItemStore, stepBudgetMs?: number): TaskPoller {
  const tree = new FeishuTreePoller(client, items, stepBudgetMs);
  return { provider: Provider.FEISHU, poll: (task, creds, checkpoint) => tree.poll(task, creds, checkpoint) };
}
