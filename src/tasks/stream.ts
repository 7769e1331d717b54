/**
 * The stream behind `Subscription.copyTaskUpdated`: the task's current state first, then every newer
 * version, and the end after the final state.
 */
import { isFinalStatus, type CopyTaskRecord } from './model.ts';
import type { TaskPubSub } from './pubsub.ts';

/**
 * Subscribes before reading the current state, so no change between the two is lost; versions
 * drop anything stale or repeated.
 */
export async function* streamTask(
  initial: () => Promise<CopyTaskRecord | undefined>,
  taskId: string,
  pubsub: TaskPubSub,
): AsyncGenerator<CopyTaskRecord, void, undefined> {
  const queue: CopyTaskRecord[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = await pubsub.subscribe(taskId, (task) => {
    queue.push(task);
    wake?.();
  });
  try {
    const current = await initial();
    if (!current) return;
    let version = current.version;
    yield current;
    if (isFinalStatus(current.status)) return;
    for (;;) {
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      const next = queue.shift() as CopyTaskRecord;
      if (next.version <= version) continue;
      version = next.version;
      yield next;
      if (isFinalStatus(next.status)) return;
    }
  } finally {
    unsubscribe();
  }
}
