/**
 * The stream behind `Subscription.copyTaskUpdated`: the task's current state first, then every newer
 * version (progress within one status coalesced to one state per `PROGRESS_INTERVAL_MS`), and the end
 * after the final state, which is never held back.
 */
import { isFinalStatus, type CopyTaskRecord } from './model.ts';
import type { TaskPubSub } from './pubsub.ts';

/**
 * The shortest time between two states of one status on one stream: a bulk copy of 100,000 items
 * checkpoints often, and a progress bar needs no more than four updates a second.
 */
export const PROGRESS_INTERVAL_MS = 250;

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
  minIntervalMs: number = PROGRESS_INTERVAL_MS,
): AsyncGenerator<CopyTaskRecord, void, undefined> {
  const queue: CopyTaskRecord[] = [];
  // Read once, then dropped: with 10,000 subscribers every record a stream keeps is 10,000 copies
  // (each parsed from the store on its own), so a stream keeps only what it compares.
  let read: typeof initial | undefined = initial;
  let wake: (() => void) | undefined;
  let stopped = false;
  /** Waits for a message, a stop, or (when given) the time limit. */
  const nap = (ms?: number) =>
    new Promise<void>((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(resolve, ms);
      wake = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
    });
  /** The newest queued state newer than `version`, emptying the queue. */
  const drain = (version: number, held: CopyTaskRecord | undefined): CopyTaskRecord | undefined => {
    let best = held;
    for (const t of queue.splice(0)) if (t.version > version && (!best || t.version > best.version)) best = t;
    return best;
  };
  const stream = (async function* (): AsyncGenerator<CopyTaskRecord, void, undefined> {
    const unsubscribe = await pubsub.subscribe(taskId, (task) => {
      queue.push(task);
      wake?.();
    });
    try {
      const current = await read?.();
      read = undefined;
      if (!current || stopped) return;
      let last: Pick<CopyTaskRecord, 'version' | 'status'> = { version: current.version, status: current.status };
      let sentAt = Date.now();
      yield current;
      if (isFinalStatus(last.status)) return;
      for (;;) {
        while (queue.length === 0 && !stopped) await nap();
        wake = undefined;
        if (stopped) return;
        let next = drain(last.version, undefined);
        if (!next) continue;
        // Progress of the same status is coalesced: at most one state per interval, always the newest.
        // A new status (and the final state) goes out at once.
        while (next.status === last.status && !isFinalStatus(next.status) && !stopped) {
          const wait = sentAt + minIntervalMs - Date.now();
          if (wait <= 0) break;
          await nap(wait);
          wake = undefined;
          next = drain(last.version, next) as CopyTaskRecord;
        }
        if (stopped) return;
        last = { version: next.version, status: next.status };
        sentAt = Date.now();
        yield next;
        if (isFinalStatus(last.status)) return;
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
