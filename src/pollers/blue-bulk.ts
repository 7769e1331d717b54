/**
 * Runs a Blue bulk copy (`copyTodos`): up to 1,000 records copied one after another into one list with
 * the same options, each identified as `copyTodo` identifies its copy (the new record's id as the
 * item's `result`), or left unidentified with the reason (the item's `note`), never guessed.
 *
 * Before each copy its position is checkpointed as `inFlight`. Blue's `copyTodo` answers no id, so a
 * copy whose answer was lost (a crash, a timeout) cannot be checked: that item ends `FAILED` with
 * `OUTCOME_UNKNOWN` and is never sent again. Refusals that a retry cannot help (the list does not
 * exist, no permission) fail that item; throttling waits (the watcher retries the same item).
 */
import { z } from 'zod';
import { type BlueClient, type BlueCopyOption, scopedBlueCredentials } from '../../datasources/blue.ts';
import type { UpstreamCredentials } from '../core/credentials.ts';
import { CopyErrorCode, isUpstreamFailure, Provider } from '../core/errors.ts';
import { ItemStatus, type StoredItem, type TaskItemStore } from '../tasks/items.ts';
import type { CopyTaskRecord, TaskChange } from '../tasks/model.ts';
import { TaskStatus } from '../tasks/model.ts';
import type { Checkpoint, TaskPoller } from '../tasks/watcher.ts';
import { bulkSummary } from './bulk-summary.ts';

export const MAX_BLUE_TODOS = 1000;

const BlueBulkWatch = z.object({
  kind: z.literal('blue-bulk'),
  todoListId: z.string(),
  options: z.array(z.string()),
  total: z.number().int(),
  inFlight: z.number().int().nullable(),
});
export type BlueBulkWatch = z.infer<typeof BlueBulkWatch>;

export function planBlueTodos(todoListId: string, options: readonly BlueCopyOption[], total: number): BlueBulkWatch {
  return { kind: 'blue-bulk', todoListId, options: [...options], total, inFlight: null };
}

const LOST =
  'The copy was sent but its answer was lost (copygraph stopped, or Blue did not answer); Blue may have copied the record. It is not sent again: check the list.';

export function blueBulkPoller(client: BlueClient, items: TaskItemStore, stepBudgetMs = 5_000): TaskPoller {
  return {
    provider: Provider.BLUE,
    async poll(task: CopyTaskRecord, credentials: UpstreamCredentials, checkpoint: Checkpoint): Promise<TaskChange | undefined> {
      const parsed = BlueBulkWatch.safeParse(task.watch);
      if (!parsed.success) {
        return { status: TaskStatus.FAILED, error: { code: CopyErrorCode.TASK_EXPIRED, message: 'The task lost its copy plan; it cannot be followed.' } };
      }
      const creds = scopedBlueCredentials(credentials.blue);
      const state = structuredClone(parsed.data);
      let current = task;
      const save = async () => {
        current = await checkpoint(await bulkSummary(items, current, state, state.total, false));
      };
      const deadline = Date.now() + stepBudgetMs;
      if (state.inFlight !== null) {
        const lost = (await items.range(task.id, state.inFlight, state.inFlight))[0];
        if (lost?.status === ItemStatus.PENDING)
          await items.finish(task.id, [{ seq: lost.seq, status: ItemStatus.FAILED, error: { code: CopyErrorCode.OUTCOME_UNKNOWN, message: LOST } }]);
        state.inFlight = null;
        await save();
      }
      while (Date.now() < deadline) {
        const [item] = await items.pending(task.id, 1);
        if (!item) break;
        state.inFlight = item.seq;
        await save();
        try {
          const outcome = await client.copyTodo(creds, { todoId: item.itemId, todoListId: state.todoListId, options: state.options as BlueCopyOption[] });
          await items.finish(task.id, [
            outcome.identified
              ? { seq: item.seq, status: ItemStatus.SUCCEEDED, result: outcome.todoId }
              : { seq: item.seq, status: ItemStatus.SUCCEEDED, note: `UnidentifiedBlueTodo: ${outcome.reason}` },
          ]);
        } catch (err) {
          if (!isUpstreamFailure(err)) throw err;
          if (err.code === CopyErrorCode.OUTCOME_UNKNOWN) {
            await items.finish(task.id, [{ seq: item.seq, status: ItemStatus.FAILED, error: { code: err.code, message: err.message } }]);
          } else if (err.retryable) {
            state.inFlight = null;
            await save();
            throw err;
          } else {
            await items.finish(task.id, [{ seq: (item as StoredItem).seq, status: ItemStatus.FAILED, error: { code: err.code, message: err.message } }]);
          }
        }
        state.inFlight = null;
        await save();
      }
      const finished = state.inFlight === null && (await items.pending(task.id, 1)).length === 0;
      return bulkSummary(items, current, state, state.total, finished);
    },
  };
}
