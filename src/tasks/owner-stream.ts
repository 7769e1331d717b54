/**
 * The stream behind `Subscription.copyTasksUpdated`: every change of any task of one owner, narrowed
 * by provider and status, for a dashboard of progress bars. It never ends on its own.
 *
 * A task that leaves the status filter is sent once more (with its new status) so a dashboard can
 * drop it; after that, it is sent again only if it matches again. Per task, versions drop anything
 * stale or repeated. Like `streamTask`, `return()` wakes a pending wait, so a subscriber that leaves
 * unsubscribes at once.
 */
import type { CopyTaskRecord } from './model.ts';
import type { TaskPubSub } from './pubsub.ts';
import type { TaskListFilter } from './store/sqlite.ts';

/** The most tasks a stream remembers versions of (the oldest remembered is forgotten first). */
const MAX_REMEMBERED = 10_000;

function matches(task: CopyTaskRecord, filter: TaskListFilter): boolean {
  if (filter.provider && task.provider !== filter.provider) return false;
  if (filter.status && filter.status.length > 0 && !filter.status.includes(task.status)) return false;
  return true;
}

/** Resolves once subscribed (so nothing published after it is lost), with the stream. */
export async function streamOwnerTasks(owner: string, filter: TaskListFilter, pubsub: TaskPubSub): Promise<AsyncGenerator<CopyTaskRecord, void, undefined>> {
  const queue: CopyTaskRecord[] = [];
  let wake: (() => void) | undefined;
  let stopped = false;
  /** The last version sent per task. */
  const sent = new Map<string, number>();
  /** Tasks whose last state sent matched the filter (a change that leaves the filter is sent once). */
  const inFilter = new Set<string>();
  let unsubscribed = false;
  const off = await pubsub.subscribeOwner(owner, (task) => {
    // The channel is the owner's; checked again so a shared engine's stray message never leaks.
    if (task.owner !== owner) return;
    queue.push(task);
    wake?.();
  });
  // Also called by `return()`: a stream closed before its first `next()` never runs its `finally`.
  const unsubscribe = () => {
    if (!unsubscribed) off();
    unsubscribed = true;
  };
  const stream = (async function* (): AsyncGenerator<CopyTaskRecord, void, undefined> {
    try {
      for (;;) {
        while (queue.length === 0 && !stopped) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        if (stopped) return;
        const task = queue.shift() as CopyTaskRecord;
        if (task.version <= (sent.get(task.id) ?? -1)) continue;
        const now = matches(task, filter);
        if (!now && !inFilter.has(task.id)) continue;
        if (now) inFilter.add(task.id);
        else inFilter.delete(task.id);
        sent.delete(task.id);
        sent.set(task.id, task.version);
        if (sent.size > MAX_REMEMBERED) {
          const oldest = sent.keys().next().value as string;
          sent.delete(oldest);
          inFilter.delete(oldest);
        }
        yield task;
      }
    } finally {
      unsubscribe();
    }
  })();
  const stop = stream.return.bind(stream);
  stream.return = (value) => {
    stopped = true;
    wake?.();
    unsubscribe();
    return stop(value);
  };
  return stream;
}
