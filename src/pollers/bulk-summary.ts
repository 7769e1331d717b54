/**
 * What every bulk copy shows on its task: progress in items, the first failures (capped), and once
 * every item is done, the final status from the items' outcomes.
 */
import type { TaskItemStore } from '../tasks/items.ts';
import { type CopyTaskRecord, type ItemFailure, type TaskChange, TaskStatus } from '../tasks/model.ts';

/**
 * `CopyTask.failures` of a bulk copy lists at most this many failed items (the first ones, in order);
 * `CopyTask.items(status: FAILED)` pages through all of them.
 */
export const BULK_FAILURES_CAP = 100;

/** The task's visible state after a step; `finished` when no item is pending and none will be added. */
export async function bulkSummary(items: TaskItemStore, task: CopyTaskRecord, watch: unknown, total: number, finished: boolean): Promise<TaskChange> {
  const counts = await items.counts(task.id);
  const failedPage = counts.failed > 0 ? await items.page(task.id, BULK_FAILURES_CAP, undefined, 'FAILED') : { items: [] };
  const failures: ItemFailure[] = failedPage.items.map((i) => ({ itemId: i.itemId, reason: i.error ? `${i.error.code}: ${i.error.message}` : undefined }));
  const completed = counts.succeeded + counts.failed;
  let status: TaskStatus = completed > 0 ? TaskStatus.RUNNING : task.status === TaskStatus.QUEUED ? TaskStatus.QUEUED : TaskStatus.RUNNING;
  let error: TaskChange['error'] = task.error;
  if (finished) {
    status = counts.failed === 0 ? TaskStatus.SUCCEEDED : counts.succeeded === 0 ? TaskStatus.FAILED : TaskStatus.PARTIALLY_SUCCEEDED;
    if (status === TaskStatus.FAILED && !error) {
      // One reason for every failure shown: that is the task's reason (e.g. a destination bucket that does not exist).
      const codes = new Set(failedPage.items.map((i) => i.error?.code));
      const only = codes.size === 1 ? [...codes][0] : undefined;
      const first = failedPage.items[0]?.error?.message;
      error = {
        code: only ?? 'UPSTREAM_ERROR',
        message: `None of the ${counts.failed} items was copied${only && first ? `: ${first}` : '; see failures and items'}.`,
      };
    }
  }
  return { status, progress: { completed, total: Math.max(total, completed) }, failures, watch, error };
}
