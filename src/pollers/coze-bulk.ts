/**
 * Runs a Coze bulk copy (`copyCozeEntities`): several bots, apps and workflows into one workspace, each
 * an item. Items are submitted in order; a synchronous bot copy is done at once (its new id is the
 * item's `result`); every other answer is a Coze task, whose id is stored on the item (as `task:<id>`
 * while it is pending) right after the submit, and which later polls follow until `successful` (the
 * new entity id) or `failed` (Coze's `failed_reasons` become the item's error).
 *
 * Before each submit its position is checkpointed as `inFlight`; a submit whose answer was lost cannot
 * be checked (Coze has no lookup of copies), so that item ends `FAILED` with `OUTCOME_UNKNOWN`.
 *
 * Coze tasks of single copies keep their own poller: `withCozeBulk` routes by the task's plan.
 */
import { z } from 'zod';
import type { CozeClient, CozeEntityKind } from '../../datasources/coze.ts';
import { requireCredentials, type UpstreamCredentials } from '../core/credentials.ts';
import { CopyErrorCode, isUpstreamFailure } from '../core/errors.ts';
import { ItemStatus, type TaskItemStore } from '../tasks/items.ts';
import type { CopyTaskRecord, TaskChange } from '../tasks/model.ts';
import type { Checkpoint, TaskPoller } from '../tasks/watcher.ts';
import { bulkSummary } from './bulk-summary.ts';

export const MAX_COZE_ENTITIES = 100;

const CozeBulkWatch = z.object({
  kind: z.literal('coze-bulk'),
  toWorkspaceId: z.string().nullable(),
  total: z.number().int(),
  inFlight: z.number().int().nullable(),
});
export type CozeBulkWatch = z.infer<typeof CozeBulkWatch>;

export function planCozeEntities(toWorkspaceId: string | null, total: number): CozeBulkWatch {
  return { kind: 'coze-bulk', toWorkspaceId, total, inFlight: null };
}

/** An item's input: the entity's type. */
export function cozeItemInput(type: CozeEntityKind): string {
  return type;
}

const TASK = 'task:';

export function withCozeBulk(single: TaskPoller, client: CozeClient, items: TaskItemStore, stepBudgetMs = 5_000): TaskPoller {
  const bulk = async (
    task: CopyTaskRecord,
    state: CozeBulkWatch,
    credentials: UpstreamCredentials,
    checkpoint: Checkpoint,
  ): Promise<TaskChange | undefined> => {
    const creds = requireCredentials(credentials, 'coze');
    let current = task;
    const save = async () => {
      current = await checkpoint(await bulkSummary(items, current, state, state.total, false));
    };
    if (state.inFlight !== null) {
      const lost = (await items.range(task.id, state.inFlight, state.inFlight))[0];
      if (lost?.status === ItemStatus.PENDING && !lost.result) {
        await items.finish(task.id, [
          {
            seq: lost.seq,
            status: ItemStatus.FAILED,
            error: {
              code: CopyErrorCode.OUTCOME_UNKNOWN,
              message: 'The copy was submitted but its answer was lost; Coze may have copied it. It is not sent again.',
            },
          },
        ]);
      }
      state.inFlight = null;
      await save();
    }
    const deadline = Date.now() + stepBudgetMs;
    for (let after = -1; Date.now() < deadline; ) {
      const page = await items.page(task.id, 100, after, ItemStatus.PENDING);
      if (page.items.length === 0) break;
      for (const item of page.items) {
        after = item.seq;
        if (item.result?.startsWith(TASK)) {
          // Submitted: how does its Coze task stand?
          const state2 = await client.getCopyTask(creds, item.result.slice(TASK.length));
          if (state2.status === 'successful')
            await items.finish(task.id, [{ seq: item.seq, status: ItemStatus.SUCCEEDED, result: state2.targetEntityId ?? null }]);
          else if (state2.status === 'failed') {
            const reasons = state2.failedReasons.map((r) => `${r.entityName || r.entityId || r.entityType}: ${r.reason}`).join('; ');
            await items.finish(task.id, [
              {
                seq: item.seq,
                status: ItemStatus.FAILED,
                error: { code: CopyErrorCode.UPSTREAM_ERROR, message: `Coze could not copy it${reasons ? ` (${reasons})` : ''}.` },
              },
            ]);
          }
          continue;
        }
        state.inFlight = item.seq;
        await save();
        try {
          const started = await client.copyEntity(creds, {
            entityId: item.itemId,
            entityType: (item.input ?? 'BOT') as CozeEntityKind,
            toWorkspaceId: state.toWorkspaceId ?? undefined,
          });
          if (started.kind === 'copied') await items.finish(task.id, [{ seq: item.seq, status: ItemStatus.SUCCEEDED, result: started.copiedEntityId }]);
          else await items.finish(task.id, [{ seq: item.seq, status: ItemStatus.PENDING, result: `${TASK}${started.taskId}` }]);
        } catch (err) {
          if (!isUpstreamFailure(err)) throw err;
          if (err.retryable) {
            state.inFlight = null;
            await save();
            throw err;
          }
          await items.finish(task.id, [{ seq: item.seq, status: ItemStatus.FAILED, error: { code: err.code, message: err.message } }]);
        }
        state.inFlight = null;
        await save();
      }
      if (!page.hasNextPage) break;
    }
    const finished = state.inFlight === null && (await items.pending(task.id, 1)).length === 0;
    return bulkSummary(items, current, state, state.total, finished);
  };
  return {
    provider: single.provider,
    ...(single.maxPollsPerSecond !== undefined ? { maxPollsPerSecond: single.maxPollsPerSecond } : {}),
    poll: (task, credentials, checkpoint) => {
      const parsed = CozeBulkWatch.safeParse(task.watch);
      if (parsed.success) return bulk(task, structuredClone(parsed.data), credentials, checkpoint);
      return single.poll(task, credentials, checkpoint);
    },
  };
}
