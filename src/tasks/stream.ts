/**
 * The stream behind `Subscription.copyTaskUpdated`: the task's current state first, then every newer
 * version, and the end after the final state.
 */
import { isFinalStatus, type CopyTaskRecord } from './model.ts';
import type { TaskPubSub } from './pubsub.ts';

/**
 * Subscribes before reading the current state, so no change between the two is lost; versions
 * drop anything stale or repeated.
 *
 * Not a bare async generator: a generator's `return()` waits behind a pending `next()`, so a
 * subscriber that leaves (graphql-ws `complete`, a router's 404 on a callback) would keep its
 * pub/sub listener until the task changes again, possibly for hours. `return()` here wakes the
 * wait first, so the stream ends and unsubscribes at once.
 */
export function streamTask(
  initial: () => Promise<CopyTaskRecord | undefined>,
  taskId: string,
  pubsub: TaskPubSub,
): AsyncGenerator<CopyTaskRecord, void, undefined> {
  const queue: CopyTaskRecord[] = [];
  let wake: (() => void) | undefined;
  let stopped = false;
  const stream = (async function* (): AsyncGenerator<CopyTaskRecord, void, undefined> {
    const unsubscribe = await pubsub.subscribe(taskId, (task) => {
      queue.push(task);
      wake?.();
    });
    try {
      const current = await initial();
      if (!current || stopped) return;
      let version = current.version;
      yield current;
      if (isFinalStatus(current.status)) return;
      for (;;) {
        while (queue.length === 0 && !stopped) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        if (stopped) return;
        const next = queue.shift() as CopyTaskRecord;
        if (next.version <= version) continue;
        version = next.version;
        yield next;
        if (isFinalStatus(next.status)) return;
      }
    } finally {
      unsubscribe();
    }
  })();
  const stop = stream.return.bind(stream);
  stream.return = (value) => {
    stopped = true;
    wake?.();
    return stop(value);
  };
  return stream;
}
